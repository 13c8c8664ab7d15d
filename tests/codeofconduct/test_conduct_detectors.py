"""The code-of-conduct detectors: every conduct category and clinical.advice."""

import random
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.codeofconduct import (
    ConductDetector,
    ConductRules,
    RulesError,
    conduct_detectors,
    default_rules,
    load_rules,
)
from bot.codeofconduct.folding import Folder, Vocabulary, fold
from bot.evaluation import evaluate, read_corpus
from bot.moderation import Screener
from bot.moderation.normalise import NormalisedText
from bot.moderation.taxonomy import CATEGORIES, Action
from bot.moderation.types import Match

DEV_CORPUS = Path(__file__).parents[1] / "data" / "dev.jsonl"
TEXTS_FILE = Path(__file__).parents[2] / "bot" / "codeofconduct" / "data" / "texts.yaml"

OFFENSIVE = "conduct.offensive_language"
ABUSE = "conduct.abuse"
DISCRIMINATION = "conduct.discrimination"
SEXUAL = "conduct.sexual"
POLITICAL = "conduct.political"
COMMERCIAL = "conduct.commercial"
CHARITY = "conduct.charity"
MISCONDUCT = "conduct.misconduct_allegation"
SAFEGUARDING = "conduct.safeguarding"
HR_PAY = "conduct.hr_pay"
COMPLAINT = "conduct.complaint"
INDIVIDUAL_REQUEST = "conduct.individual_request"
PRIVATE_MESSAGE = "conduct.private_message"
CLINICAL = "clinical.advice"


@pytest.fixture(scope="module")
def detector() -> ConductDetector:
    return ConductDetector()


@pytest.fixture(scope="module")
def screener(detector: ConductDetector) -> Screener:
    return Screener(detectors=[detector])


def found(detector: ConductDetector, text: str) -> dict[str, list[Match]]:
    by_category: dict[str, list[Match]] = {}
    for match in detector.find(NormalisedText(text)):
        by_category.setdefault(match.category, []).append(match)
    return by_category


# --- disguised spellings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("what the f*ck is going on with theatre lists", "f*ck"),
        ("this rota is sh1t", "sh1t"),
        ("RiO is being a complete pile of sh!te today", "sh!te"),
        ("shiiiiit I left my badge at home", "shiiiiit"),
        ("fuuuuuck my car won't start", "fuuuuuck"),
        ("w t f is going on with the rota", "w t f"),
        ("F U C K I N G hell what a night", "F U C K I N G"),
        ("s.h.i.t day in resus", "s.h.i.t"),
        ("who left the door open, it's b.o.l.l.o.c.k.s freezing", "b.o.l.l.o.c.k.s"),
        ("f🤬ck me that was a long list", "f🤬ck"),
        ("sh-t, the theatre list overran again", "sh-t"),
        ("absolute sh1tshow on the A1 tonight", "sh1tshow"),
        ("well that was a fvcking brilliant night out", "fvcking"),
        ("bullsh*t that parking is going up again", "bullsh*t"),
        ("Fück this night shift", "Fück"),
        ("s h 1 t handover", "s h 1 t"),
        ("ar$ehole took my charger", "ar$ehole"),
        ("f * c k the new EPR", "f * c k"),
    ],
)
def test_disguised_swearing_is_found_and_the_span_is_the_word(
    detector: ConductDetector, text: str, word: str
) -> None:
    matches = found(detector, text)[OFFENSIVE]
    assert [text[match.start : match.end] for match in matches] == [word]


@pytest.mark.parametrize(
    "text",
    [
        "ｆｕｃｋ the new EPR",  # full-width letters
        "f\u200buck the new EPR",  # a zero-width space inside the word
        "fu\u0301ck the new EPR",  # a combining accent
        "fuсk the new EPR",  # a Cyrillic с
    ],
)
def test_look_alike_and_invisible_characters_do_not_hide_swearing(
    screener: Screener, text: str
) -> None:
    verdict = screener.screen(text)
    assert verdict.categories == (OFFENSIVE,)
    assert verdict.redacted_text.endswith(" the new EPR")
    assert verdict.redacted_text.startswith(text[0])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("he's a bit of a p**f isn't he", DISCRIMINATION),
        ("half our caseload are m0ngs", DISCRIMINATION),
        ("that new porter is a right p*ki", DISCRIMINATION),
        ("sent the new F2 a d!ck pic lol", SEXUAL),
        ("Tom you're a d*ckhead", ABUSE),
    ],
)
def test_disguised_slurs_and_insults_are_found(
    detector: ConductDetector, text: str, category: str
) -> None:
    assert category in found(detector, text)


# --- words that only look rude ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe General theatre 2 is closed for a deep clean",
        "New base at Penistone opens Monday",
        "Anyone doing the Cockermouth to Workington run? car share?",
        "Essex and Sussex teams joining the exercise at Cockfosters",
        "Risk assessment templates and caseload analysis due Friday",
        "New psychotherapist and OT start Monday",
        "Shitterton outreach visit cancelled",
        "Cocktail masterclass for the summer social",
        "Dickens themed quiz night Friday",
        "Class of 2024 nursing graduates celebration",
        "Grapes and biscuits in the staff room",
        "Clitheroe and Wetwang clinics running as normal",
        "Middlesex uni placements start soon",
        "Arsenal v Spurs sweepstake, £1 a go",
        "Hancock ward is having new flooring fitted",
        "Mr Pratt the consultant is on leave",
        "Dick Whittington panto tickets for the children's ward",
        "Sextons Lane car park is closed",
        "scrap paper is in the printer drawer",
        "passionate about patient safety, welcome to the team",
        "Dr Love is the on-call consultant tonight",
        "Cumbria team meeting at Penrith",
        "there's a chink in the armour of the new rota",
    ],
)
def test_words_with_rude_substrings_are_clean(detector: ConductDetector, text: str) -> None:
    assert detector.find(NormalisedText(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "penis and scrotum exam findings go in the urology template",
        "anal fissure clinic is now on Tuesdays",
        "breast clinic referrals now go via eRS",
        "rectal exam chaperone policy has been updated",
        "PR exam training for new starters next week",
        "vaginal swab kits are in the store room",
        "sexual health clinic opening hours have changed",
        "erectile dysfunction leaflets have arrived",
        "testicular self-exam talk at lunch Tuesday, no fundraising, just info",
        "male catheterisation training is full",
        "nipple shields back in stock on the postnatal ward",
        "sperm sample pots are in the cupboard",
        "the spastic diplegia clinic has moved to room 4",
        "growth retarded fetus scans are now on Mondays",
        "Labour ward handover at 8",
        "induction of labour pathway has been updated",
        "conservative management agreed for the fracture",
        "patient intoxicated with cocaine, tox screen sent",
        "111 caller complaining of chest pain, cat 3",
        "blood donation session in the education centre Tuesday",
        "amoxicillin suspension is out of stock, use capsules",
        "psycho-education group moved to Thursday",
        "cocaine and alcohol awareness session for ED staff",
    ],
)
def test_clinical_and_anatomical_vocabulary_is_clean(detector: ConductDetector, text: str) -> None:
    assert detector.find(NormalisedText(text)) == []


# --- each category, written as staff in other settings would --------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("pharmacy still haven't done the TTOs, fucking joke", OFFENSIVE),
        ("piss poor handover from nights again", OFFENSIVE),
        ("can't be arsed with this audit", OFFENSIVE),
        ("Gemma you're useless, third time you've left the drug trolley open", ABUSE),
        ("Sister Jones is thick as two short planks", ABUSE),
        ("the new reg is a complete idiot, everyone hates him", ABUSE),
        ("I swear I'll smash your face in if you touch my locker again", ABUSE),
        ("keep it up and I'll make your life hell on this ward", ABUSE),
        ("why are you ignoring me?? I know you've read this", ABUSE),
        ("honestly the new band 6 is useless, can't even do a drug round", ABUSE),
        ("what a wanker the new charge nurse is", ABUSE),
        ("typical woman, can't reverse the ambulance", DISCRIMINATION),
        ("they come over here and take our jobs", DISCRIMINATION),
        ("no wonder theatres are short, half of them off for Ramadan", DISCRIMINATION),
        ("women shouldn't be surgeons, too emotional", DISCRIMINATION),
        ("she only got the matron job because she's black", DISCRIMINATION),
        ("go back to your own country", DISCRIMINATION),
        ("bed 4 is a proper nutter", DISCRIMINATION),
        ("fancy a quickie in the linen cupboard 😈", SEXUAL),
        ("anyone want the nudes from the Christmas party?", SEXUAL),
        ("that new porter is fit, I'd let him examine me 😏", SEXUAL),
        ("check out the new midwife's arse 🔥", SEXUAL),
        ("Vote Labour on Thursday, save the NHS from the Tories", POLITICAL),
        ("Wes Streeting wants to privatise the NHS by the back door", POLITICAL),
        ("please sign the petition against the government's nurse pay cuts", POLITICAL),
        ("Gaza ceasefire now - march from the station 2pm", POLITICAL),
        ("Reform UK will sort out the immigration mess", POLITICAL),
        ("Selling my old stethoscope, Littmann Classic, £40 ono", COMMERCIAL),
        ("my sister does nails, mates rates for NHS staff", COMMERCIAL),
        ("Use my referral code NURSE20 for a free first box", COMMERCIAL),
        ("two concert tickets for sale, £150 each", COMMERCIAL),
        ("I'm earning £500 a month from home, message me for details 💰", COMMERCIAL),
        ("book your lashes with me, 10% discount for NHS", COMMERCIAL),
        ("I'm running the London Marathon for the Stroke Association, please sponsor me!", CHARITY),
        ("cake sale in the maternity foyer Friday, all proceeds to the neonatal unit", CHARITY),
        ("Here's my JustGiving page for the hospice trek", CHARITY),
        ("Christmas jumper day Friday, £1 donation to Save the Children", CHARITY),
        ("someone's been nicking the oramorph from the CD cupboard", MISCONDUCT),
        ("the reg was drunk on shift again last night, stank of booze", MISCONDUCT),
        ("Dr Patel has been fiddling his timesheets for months", MISCONDUCT),
        ("the HCAs on nights are writing up obs they never did", MISCONDUCT),
        ("HCAs on night shift are sleeping on duty in the side room", MISCONDUCT),
        ("someone should deck the bloke who threatened the receptionist", SAFEGUARDING),
        ("if he wants to take the whole lot let him, 3rd OD this month", SAFEGUARDING),
        ("who's getting smashed after the night shift? shots on me 🍻", SAFEGUARDING),
        ("gin in the water bottle is the only way to get through nights", SAFEGUARDING),
        ("edibles before a long day hit different 😂", SAFEGUARDING),
        ("go kill yourself", SAFEGUARDING),
        ("my overtime from June still hasn't been paid, who do I chase?", HR_PAY),
        ("payroll overpaid me and now they've deducted it all at once, can they do that??", HR_PAY),
        ("I'm being bullied by my line manager, can I put a grievance in?", HR_PAY),
        ("HR still haven't sorted my contract after 6 months", HR_PAY),
        (
            "a patient's son has made a formal complaint about the discharge, what do I write?",
            COMPLAINT,
        ),
        (
            "someone left a 1 star Google review about the maternity unit, how should we respond?",
            COMPLAINT,
        ),
        ("the mum says she's going to the papers about her baby's care", COMPLAINT),
        ("can someone from pharmacy give me a ring about the TTO delays", INDIVIDUAL_REQUEST),
        ("would anyone from microbiology be able to call me back re a culture", INDIVIDUAL_REQUEST),
        ("DM me on my personal Insta for the rota swaps", PRIVATE_MESSAGE),
        ("send the theatre list to my hotmail, I'll check it at home", PRIVATE_MESSAGE),
        ("add me on WhatsApp for the shift swaps, easier than NHSmail", PRIVATE_MESSAGE),
        ("what's the max dose of paracetamol for a 15kg child?", CLINICAL),
        ("is tazocin compatible with vancomycin in the same line?", CLINICAL),
        ("which dressing do you use for a grade 2 pressure ulcer?", CLINICAL),
        ("can syntocinon be given IM for third stage?", CLINICAL),
        ("if BM below 4 give glucogel and recheck after 15 minutes", CLINICAL),
        ("reminder: always flush the PICC line with 10ml saline before and after", CLINICAL),
        ("the anaesthetic machine is f***ed again, list delayed", OFFENSIVE),
        ("the new matron is a total bellend", ABUSE),
        ("if you touch my lunch again I'm going to knock your block off", ABUSE),
        ("the Romanians on nights are all the same, no wonder the ward's a mess", DISCRIMINATION),
        ("stop being such a spaz with the pump", DISCRIMINATION),
        ("the new anaesthetist is so shaggable", SEXUAL),
        ("Keir Starmer is a liar", POLITICAL),
        ("my mum's candle business has a Christmas sale, use code NHS10", COMMERCIAL),
        ("earn extra cash from home, no experience needed, message me", COMMERCIAL),
        ("tombola and bake sale in the atrium for Children in Need!", CHARITY),
        ("the healthcare assistants are pinching food from the patients' trolley", MISCONDUCT),
        ("the physio fabricated the mobility assessments, never saw the patients", MISCONDUCT),
        ("the reg keeps signing off bloods he never checked", MISCONDUCT),
        ("someone should give that drunk idiot in resus a good kicking", SAFEGUARDING),
        ("drinking on shift is the only way to survive ED 🍷", SAFEGUARDING),
        ("I've been underpaid for 3 months, so fed up", HR_PAY),
        (
            "someone posted on Facebook slagging off the delivery suite, how should we reply?",
            COMPLAINT,
        ),
        (
            "we've had another complaint from the family in bed 3, can someone deal with it?",
            COMPLAINT,
        ),
        (
            "anyone from estates in this group? need someone to contact me about the boiler",
            INDIVIDUAL_REQUEST,
        ),
        ("text my personal mobile with the bed state please", PRIVATE_MESSAGE),
        ("send the discharge letters to my gmail and I'll do them from home", PRIVATE_MESSAGE),
        ("does anyone know the dose of adrenaline for anaphylaxis in a 6 year old?", CLINICAL),
        ("always check the vitamin K has been given before discharge", CLINICAL),
    ],
)
def test_each_category_is_found_with_confidence(
    detector: ConductDetector, text: str, category: str
) -> None:
    matches = found(detector, text)
    assert category in matches
    assert max(match.confidence for match in matches[category]) >= 0.5


# --- the kinds of breach, written the many ways staff write them ---------------------
# Insults with or without a name, stereotypes, allegations, requests and questions from
# wards, theatres, ED, maternity, paediatrics, dental, prisons, schools and bank staffing.


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "the new F1 on the surgical take is completely clueless, had to redo every cannula "
            "after her",
            ABUSE,
        ),
        ("that idiot radiographer sent my patient back up without the film again", ABUSE),
        ("don't invite Priya to the leaving do, none of us want her there", ABUSE),
        ("how did she even qualify? can't do a basic set of obs", ABUSE),
        ("you're a disgrace to the profession Leanne", ABUSE),
        (
            "I'll be waiting for you in the car park after the late, see how brave you are then",
            ABUSE,
        ),
        ("tell that useless locum in paeds to read the notes before he discharges anyone", ABUSE),
        ("the night coordinator is a bully and everyone knows it", ABUSE),
        ("Kieran you are genuinely useless, how many times do I have to show you the pump", ABUSE),
        ("can we all agree to just blank Stacey at the christmas do 😒", ABUSE),
        ("she's so thick she can't even work out a drip rate", ABUSE),
        ("Tom from theatres is a right creep, always standing too close", ABUSE),
        ("anyone else think the new CNS is completely useless? 🙄", ABUSE),
        ("keep your mouth shut Chantelle or you'll regret it", ABUSE),
        (
            "Not being funny but Kelly is the worst thing to happen to this ward. Useless at "
            "everything and gobby with it",
            ABUSE,
        ),
        (
            "the anaesthetic reg tonight is an arrogant twit who thinks nurses are his servants",
            ABUSE,
        ),
        ("the Nigerian midwives are all the same, always on their phones", DISCRIMINATION),
        (
            "male nurses on paeds give me the creeps, men shouldn't be doing that job",
            DISCRIMINATION,
        ),
        (
            "the trans HCA uses the female changing room, he's still a man whatever he says",
            DISCRIMINATION,
        ),
        (
            "Maureen is far too old to be on a busy surgical ward, should have retired years ago",
            DISCRIMINATION,
        ),
        ("the new porter's a proper window licker", DISCRIMINATION),
        ("typical Indian timekeeping, theatres started 40 minutes late", DISCRIMINATION),
        (
            "the lesbians on the unit are always staring at people getting changed, it's "
            "disgusting",
            DISCRIMINATION,
        ),
        ("the eastern Europeans on the bank are all lazy", DISCRIMINATION),
        (
            "why do the Indian doctors always talk to each other in their language in front of "
            "patients",
            DISCRIMINATION,
        ),
        ("the new HCA is a bit simple, is she special needs or something 😂", DISCRIMINATION),
        ("he's too old to be running a busy ED, time he retired", DISCRIMINATION),
        ("the black nurses are so aggressive with the patients", DISCRIMINATION),
        (
            "why do we keep hiring foreigners who can't even understand basic instructions",
            DISCRIMINATION,
        ),
        (
            "the old ones on the ward can't use the computers, should be pensioned off",
            DISCRIMINATION,
        ),
        (
            "can someone tell the Muslim lads to stop praying in the sluice, it's a workplace "
            "not a mosque",
            DISCRIMINATION,
        ),
        ("the Romanian agency girls smell, someone needs to say something", DISCRIMINATION),
        (
            "one of the SHOs has been prescribing antibiotics for his family off the system",
            MISCONDUCT,
        ),
        ("pretty sure the night HCA is taking cash out of the residents' purses", MISCONDUCT),
        ("our band 7 reeks of weed every morning, how is she still working with kids", MISCONDUCT),
        ("two of the bank HCAs clock in and then go and sit in their cars for an hour", MISCONDUCT),
        ("she's been falsifying her mileage claims for months", MISCONDUCT),
        ("certain people on nights are taking stock home for themselves", MISCONDUCT),
        (
            "the healthcare assistant on bay C is really rough with the confused patients",
            MISCONDUCT,
        ),
        (
            "the HCAs on Ward 8 were laughing at the old dears and winding them up on purpose",
            MISCONDUCT,
        ),
        (
            "one of the porters has been nicking patients' phone chargers and cash from the "
            "bedside",
            MISCONDUCT,
        ),
        ("the night reg signed the DNACPR without even seeing the patient", MISCONDUCT),
        ("she's been putting in overtime claims for shifts she never worked", MISCONDUCT),
        ("matron knew about the medication error and buried it", MISCONDUCT),
        ("the paramedic on 12 hit the patient, I saw it", MISCONDUCT),
        ("the HCA falsified the turning charts, the patient had a grade 4", MISCONDUCT),
        ("pretty sure the dentist is drinking at lunch, slurring by the afternoon", MISCONDUCT),
        (
            "money keeps going missing from the staff tea fund and I reckon it's the new admin",
            MISCONDUCT,
        ),
        (
            "let's all get proper hammered after the mess party, first one sober buys the round 🍻",
            SAFEGUARDING,
        ),
        (
            "pop a couple of the zopiclone and you'll sleep like a baby after nights 😴",
            SAFEGUARDING,
        ),
        (
            "someone needs to give that relative a good slap, shouting at the students like that",
            SAFEGUARDING,
        ),
        ("whoever keyed my car needs their legs breaking", SAFEGUARDING),
        ("wine o'clock on the ward at 3am 🍷 don't tell matron", SAFEGUARDING),
        (
            "couple of valium and a bottle of red, best way to come down after a run of nights 😂",
            SAFEGUARDING,
        ),
        ("who's getting trollied after the late? shots are on me 🥃🥃", SAFEGUARDING),
        ("the lad who stabbed that nurse deserves a bullet", SAFEGUARDING),
        ("can't wait to get absolutely steaming at the leavers do 🍾🍾", SAFEGUARDING),
        ("if that patient spits at me again I'll punch him", SAFEGUARDING),
        ("she should just kill herself tbh, would save us all the hassle", SAFEGUARDING),
        ("the guy who punched the paramedic should be beaten to a pulp", SAFEGUARDING),
        ("my tax code's changed and I've lost £200 this month, who do I ring?", HR_PAY),
        ("can they refuse my compassionate leave for my nan's funeral?", HR_PAY),
        ("my mileage claims from January have disappeared off the system", HR_PAY),
        (
            "do I lose my continuous service if I go to the hospice for a year and come back?",
            HR_PAY,
        ),
        ("my contract says 37.5 hours but they keep rostering me 40", HR_PAY),
        ("they've put me on a disciplinary for being late twice, is that fair?", HR_PAY),
        ("my pay's been wrong for 3 months now and payroll keep fobbing me off", HR_PAY),
        ("was I meant to get my increment in June? still on the same pay point", HR_PAY),
        ("my payslip shows the wrong band, who sorts that?", HR_PAY),
        ("is it legal for them to cut my hours without asking me?", HR_PAY),
        ("my overtime rate is wrong on this month's payslip", HR_PAY),
        ("I'm being investigated for something I didn't do, what are my rights?", HR_PAY),
        ("send me the clinic list on Messenger, nhs.net is being a pain", PRIVATE_MESSAGE),
        ("forward the referral letters to my yahoo and I'll do them tonight", PRIVATE_MESSAGE),
        (
            "I've set up a WhatsApp group on our personal numbers for the rota swaps, join that "
            "one instead",
            PRIVATE_MESSAGE,
        ),
        ("message me privately with the datix details", PRIVATE_MESSAGE),
        ("inbox me on Facebook with the clinic changes", PRIVATE_MESSAGE),
        ("just DM me the rota swaps on Insta", PRIVATE_MESSAGE),
        ("text me the bed numbers on my own phone, trust phone is dead", PRIVATE_MESSAGE),
        ("I'll text you the referral details on my mobile tonight", PRIVATE_MESSAGE),
        (
            "Pop me a message on WhatsApp with the patient's details and I'll sort the referral "
            "from home",
            PRIVATE_MESSAGE,
        ),
        (
            "could pharmacy ring ward 14 back about the TTOs please, been waiting since 10",
            INDIVIDUAL_REQUEST,
        ),
        ("can the bank office call me about the shifts I picked up?", INDIVIDUAL_REQUEST),
        (
            "can a member of the estates team come and see me about the broken window in clinic 4",
            INDIVIDUAL_REQUEST,
        ),
        ("can the paediatric dietitian please contact me about a referral", INDIVIDUAL_REQUEST),
        ("anyone from radiology who can call ward 8 back about a CT slot?", INDIVIDUAL_REQUEST),
        (
            "please could the IT helpdesk call me about my login, it's locked again",
            INDIVIDUAL_REQUEST,
        ),
        ("need someone from switchboard to ring me back urgently", INDIVIDUAL_REQUEST),
        (
            "Would someone from the infection control team be able to ring me back on 4455 about "
            "a side room please",
            INDIVIDUAL_REQUEST,
        ),
        (
            "a mum in paeds outpatients is threatening to go to her MP about the cancelled "
            "clinic, what do we say?",
            COMPLAINT,
        ),
        (
            "we've had a letter of complaint about the dental waiting list, who's drafting the "
            "reply?",
            COMPLAINT,
        ),
        (
            "a family are reporting us to the ombudsman about the delay in diagnosis, what do we "
            "send?",
            COMPLAINT,
        ),
        (
            "the daughter of the lady in bay 2 is threatening to go to the press about the bed "
            "sores",
            COMPLAINT,
        ),
        ("we've got a family going to the CQC about the visiting rules, what do I say", COMPLAINT),
        (
            "PALS have sent over another complaint about the waiting times, who's picking it up?",
            COMPLAINT,
        ),
        ("a parent has threatened to sue over the missed fracture", COMPLAINT),
        (
            "Had a horrible phone call from a relative complaining about her mum's care, she's "
            "going to the papers. How do I respond?",
            COMPLAINT,
        ),
        ("Doing lash lifts and brows from my flat, £25 for NHS, DM to book 💕", COMMERCIAL),
        ("Selling a hardly used stethoscope and two sets of scrubs, £30 the lot", COMMERCIAL),
        ("now taking bookings for my dog walking business, £10 a walk", COMMERCIAL),
        ("selling my old uniforms, size 14, £5 each, collection from the ward", COMMERCIAL),
        ("Use code NURSE15 for 15% off at my online shop", COMMERCIAL),
        ("my daughter sells Tropic, message me if you want a brochure", COMMERCIAL),
        ("Anyone interested in buying a Dyson? Brand new still boxed, £200", COMMERCIAL),
        (
            "Doing a sponsored abseil down the hospital tower for the stroke unit, please dig deep",
            CHARITY,
        ),
        ("Dress down Friday, £1 for the neonatal unit, pay Jo on reception", CHARITY),
        (
            "Our team is walking 100 miles in May for Mind, link in the comments, anything you "
            "can give",
            CHARITY,
        ),
        (
            "We're collecting tinned food and toiletries for the food bank, drop them at the "
            "nurses' station",
            CHARITY,
        ),
        (
            "we're collecting Christmas presents for the kids on the oncology unit, drop them at "
            "reception",
            CHARITY,
        ),
        ("cake sale outside theatres on Friday for the air ambulance", CHARITY),
        ("Please donate to my GoFundMe for my dad's funeral", CHARITY),
        (
            "I'm running the Edinburgh marathon for the MND Association - any donations "
            "gratefully received",
            CHARITY,
        ),
        (
            "Rally outside Downing Street on Saturday against the pay offer, bring banners",
            POLITICAL,
        ),
        ("anyone voting SNP needs their head looking at", POLITICAL),
        ("Trump has the right idea about immigration", POLITICAL),
        ("the Prime Minister doesn't give a toss about nurses, vote him out", POLITICAL),
        ("the Tories have destroyed this hospital", POLITICAL),
        (
            "join the protest against the government's cuts outside the town hall on Saturday",
            POLITICAL,
        ),
        ("vote Green, they actually care about the NHS", POLITICAL),
        ("Brexit ruined our recruitment", POLITICAL),
        ("Labour's plans for the NHS are a joke", POLITICAL),
        ("can you give IV cyclizine and ondansetron together or does it cause problems?", CLINICAL),
        ("how long after a dental extraction can you restart apixaban?", CLINICAL),
        ("does anyone know if ceftriaxone is ok with a penicillin allergy?", CLINICAL),
        ("what sats are we aiming for in COPD again, 88-92?", CLINICAL),
        ("what's the protocol for a needlestick injury in theatres?", CLINICAL),
        ("what's the dose of IV paracetamol for a 45kg adult?", CLINICAL),
        ("is it ok to give co-amoxiclav if someone's allergic to penicillin?", CLINICAL),
        ("remember to flush the NG tube with 30ml water before and after meds", CLINICAL),
        ("what's the rate for an adrenaline infusion?", CLINICAL),
        ("does anyone know if you can crush omeprazole?", CLINICAL),
        ("Can you give ibuprofen with naproxen?", CLINICAL),
        ("how fast can you give IV furosemide?", CLINICAL),
        ("Becca you're a total liability on a shift, please just stay home", ABUSE),
        ("the Ghanaian HCAs are always late, it's a cultural thing", DISCRIMINATION),
        ("can we stop hiring from abroad, half of them can't even do a manual BP", DISCRIMINATION),
        ("he's 64, should be at home with his slippers not doing nights", DISCRIMINATION),
        ("one of the dental nurses has been stealing the gold from the crown lab", MISCONDUCT),
        (
            "the night manager lets her mates leave early and still pays them the full shift",
            MISCONDUCT,
        ),
        ("bit of coke at the weekend gets me through the week 😂❄️", SAFEGUARDING),
        ("been waiting 5 months for my regrading outcome, is that normal?", HR_PAY),
        ("would the bed manager on tonight ring ward 12 asap", INDIVIDUAL_REQUEST),
        (
            "the patient's son says he's contacting the Daily Mail about the wait, what do we say?",
            COMPLAINT,
        ),
    ],
)
def test_each_kind_of_breach_is_found_on_its_own(
    screener: Screener, detector: ConductDetector, text: str, category: str
) -> None:
    matches = found(detector, text)
    assert category in matches
    assert max(match.confidence for match in matches[category]) >= 0.5
    assert screener.screen(text).categories == (category,)


@pytest.mark.parametrize(
    "text",
    [
        "the new EPR is completely useless today, keeps logging me out",
        "ignore him, he's just testing the bleep system",
        "International nurses OSCE prep session Thursday, please support our new colleagues",
        "anaesthetist thinks the patient is too old for a GA, going for a spinal",
        "stock count for the pharmacy audit is Friday, numbers need to add up",
        "we absolutely hammered the audit, 98%!",
        "annual leave requests for Christmas close on Friday",
        "IT will call you back within 24h, ref is in the email",
        "the Health Secretary visited the new cancer centre today",
        "the plank challenge is on in the physio gym 💪",
        "our new clinical lead starts Monday, she's lovely",
        "Amoxicillin suspension is out of stock, use capsules",
        "new starter Tomasz is joining theatres from Poland, say hello",
        "Anyone know a good plumber? my boiler's packed in",
        "pride lanyards are at reception, free for anyone who wants one 🏳️\u200d🌈",
        "the stroke unit is short of a band 5 on nights, bank is out",
        "the ODP in theatre 1 had to leave early, family emergency",
        "Gemma on nights is the most amazing nurse I have ever met",
        "the radiology registrar is a legend, stayed late to report the CTs",
        "The Indian doctors' association is hosting Diwali celebrations",
        "The gay and lesbian staff network has a new chair",
        "The GP at the practice is signing off the repeat prescriptions today",
        "who's getting the coffees after the late? my round ☕",
        "can someone from the late shift cover my break?",
        "PALS passed on a compliment about the reception team 😊",
        "can you mix the teams for the quiz so it's fair?",
        "which is better for parking, the multi-storey or the park and ride?",
        "Dean you're an absolute star, thanks for today",
        "stop texting me about the quiz 😂 I'm in!",
        "women in orthopaedics conference in May",
        "turning charts are in the folder by the nurses' station",
        "HR have updated the contract templates on the intranet",
        "overtime shifts are on the bank app",
        "a parent brought us flowers today",
        "donate blood, session on Tuesday in the education centre",
        "does anyone know if the canteen is open?",
        "the anaesthetic reg tonight was so helpful",
        "the Muslim staff network have set up a new prayer room on level 2",
        "the practice nurse is running the flu jab clinic on Saturday",
        "tonight's plan: takeaway and sofa 🍕",
        "Timesheets need to be signed by Thursday",
        "A relative called to say thank you for the care her mum received",
        "The rally car is parked outside the main entrance for the charity photo shoot 😂",
        "lazy Sunday on the ward for once, only 2 admissions",
        "nobody likes the new car park system but it's here to stay",
        "How did she even manage that list, 9 cases and finished on time 👏",
        "typical Monday, ED full by 9am",
        "Male nurses' network meeting Thursday, all welcome",
        "too old to be climbing on chairs to reach the top shelf 😂 can estates lower it",
        "Please use the pronouns on people's badges, thanks all",
        "His learning disability passport is in the notes, please read it",
        "Fell asleep in the car after nights, don't drive tired folks",
        "Mileage claims go through ESR now, not paper",
        "Bullying and harassment advisers are listed on the intranet",
        "Please raise concerns through Freedom to Speak Up, not here",
        "The Health Secretary is visiting the new maternity unit on Tuesday",
        "The union rep will be in the canteen Thursday to answer questions about the pay offer",
        "The new nail policy: no gel nails or extensions in clinical areas",
        "Dog grooming van is parked in the car park again 😂 whose is it?",
        "Payslips will be emailed from next month",
        "I'm on annual leave from Monday, Sarah's covering my clinics",
        "Can someone from the day team restock the trolley please",
        "Please email me the minutes on NHSmail",
        "Thanks for the DM, I've replied on Teams",
        "Google review from a family praising the night staff 😊",
        "Where do we keep the spare nebuliser masks?",
        "Could the late shift check the controlled drugs with me at 8?",
        "Well done team, you absolutely smashed the audit 💪",
        "Who's coming to the pub quiz? 🍺",
        "I took a couple of days off, feeling much better thanks",
        "Big shout out to the porters, absolute legends today",
        "the patient was feeling rough so we held the physio",
        "The drug fridge key went missing, found it in the sluice",
        "I'll be on my mobile if anyone needs me for the quiz",
        "Labour's plans for the maternity unit refurb were presented to the board",
        "Pharmacy are taking the returns back to the dispensary",
        "She manhandled the hoist into the lift all by herself, legend",
        "sick of this rain, can't wait for summer",
        "Anxiety management group for patients runs on Mondays",
        "Typical Scottish weather, four seasons in a day",
        "the new one is useless, use the old pump",
        "the ECG lead is useless, get a new one from EBME",
        "the doctor said it was dangerous to drive after the sedation",
        "LGBT youth camp volunteers needed in August",
        "they got my pronouns wrong again on ESR, can HR fix it?",
        "the Polish lady can't understand the leaflet, is there a Polish version?",
        "her depression apparently started after the birth, perinatal team aware",
        "typical black ice on the hill this morning, drive safe",
        "call me on my mobile if the ward phone is busy",
        "the patient had been drinking before the fall, CT head booked",
        "transport are taking the patients home at 3, please have TTOs ready",
        "He's written to the chief exec to thank the whole team 💙",
        "My labour plans went out the window, baby came in 2 hours 😂",
        "everyone please ignore the fire alarm at 10, it's a test",
        "Hold the line, nobody can stand in for Sam on Friday",
        "Neck a pint of water before nights, stay hydrated 😂",
        "Booking link for the flu jab clinic is on the intranet",
        "I can't go on the course next week, can someone swap?",
        "I had a coke at the weekend, first in ages",
        "the daughter said the sun was in her eyes, can we close the blinds?",
    ],
)
def test_look_alike_messages_stay_clean(screener: Screener, text: str) -> None:
    verdict = screener.screen(text)
    assert verdict.action is Action.ALLOW
    assert verdict.findings == ()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Lewis you absolute melt 😂 you've put the sharps bin in the recycling", ABUSE),
        ("you donut 😂 the cannula trolley is in bay 2 not bay 4", ABUSE),
        ("Sam you plonker, it's the blue form not the pink one 😆", ABUSE),
        (
            "I've got my suspicions about the new bank porter, always hanging round the CD "
            "cupboard",
            MISCONDUCT,
        ),
        (
            "honestly I can't see a way out of this anymore, I just want it all to stop",
            SAFEGUARDING,
        ),
        (
            "I don't think I can do this job anymore, I'm not sleeping and I've got nothing left",
            SAFEGUARDING,
        ),
        (
            "it's been chucking it down and pissing down all day, theatre car park is a lake",
            OFFENSIVE,
        ),
        ("what a numpty 🤣 locked myself out of the clinic room again", ABUSE),
        ("you absolute plank 😂 the defib pads go in the top drawer", ABUSE),
    ],
)
def test_banter_distress_and_vague_suspicion_are_only_flagged(
    screener: Screener, text: str, category: str
) -> None:
    verdict = screener.screen(text)
    assert verdict.action is Action.FLAG
    assert verdict.categories == (category,)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("can I give her oramorph with her fentanyl patch?", CLINICAL),
        ("ok to give him cyclizine if he's already on ondansetron?", CLINICAL),
    ],
)
def test_a_question_about_an_unnamed_patient_is_clinical_advice(
    screener: Screener, text: str, category: str
) -> None:
    verdict = screener.screen(text)
    assert verdict.action is Action.SIGNPOST
    assert verdict.categories == (category,)


@pytest.mark.parametrize(
    "text",
    [
        "bed 4: can I give her oramorph?",
        "Mrs Jones, can I give her paracetamol?",
        "NHS 485 777 3456, can I give him his insulin early?",
    ],
)
def test_a_question_about_an_identified_patient_is_not_general_advice(
    detector: ConductDetector, text: str
) -> None:
    assert CLINICAL not in found(detector, text)


def test_a_sequence_needs_every_step_and_every_near_group() -> None:
    rules = ConductRules.model_validate(
        {
            "categories": {
                ABUSE: {
                    "rules": [
                        {
                            "id": "steps",
                            "confidence": 0.8,
                            "sequence": [["the"], ["new"], ["porter"]],
                            "near": [["useless"]],
                        }
                    ]
                }
            }
        }
    )
    detector = ConductDetector(rules)
    match = found(detector, "the new porter is useless")[ABUSE][0]
    assert (match.start, match.end) == (0, 14)
    assert found(detector, "the porter is useless") == {}
    assert found(detector, "the new porter is lovely") == {}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("bloody hell, what a night 😩 home at last", OFFENSIVE),
        ("you absolute muppet Callum 😂😂 left the keys in again", ABUSE),
        ("you idiot 😂 wrong theatre again", ABUSE),
        ("RCN ballot closes Friday, make sure your vote's in 🗳️", POLITICAL),
        ("junior doctors on strike next week, picket line at the main entrance", POLITICAL),
        ("Free to a good home: kids' bunk beds, collection only", COMMERCIAL),
        ("I'm done. can't keep doing this. don't think I'll be in tomorrow", SAFEGUARDING),
        ("anyone else get a weird vibe off the new locum?", MISCONDUCT),
    ],
)
def test_genuinely_ambiguous_messages_are_only_flagged(
    screener: Screener, text: str, category: str
) -> None:
    verdict = screener.screen(text)
    assert verdict.action is Action.FLAG
    assert verdict.categories == (category,)


@pytest.mark.parametrize(
    "text",
    [
        "Rota gaps: Sat night x2, Sun late x1, shout if you can help",
        "Anyone want to swap a late on the 14th for an early on the 16th?",
        "Mandatory training: fire safety Weds 10am, book via ESR",
        "Huge thanks to pharmacy for the quick TTOs today",
        "Congrats to the neonatal team on their award 🏆",
        "Happy retirement Sue, 40 years on the wards!",
        "Baby shower for Laura next Friday in the staff room",
        "Christmas do tickets are £25 each, pay Hannah by Friday",
        "Thanks to everyone who bought raffle tickets, we raised £300 for the NICU! well done",
        "Payroll reminder: overtime claims by the 10th",
        "pay award backpay will be in the November pay, no action needed",
        "I'm on annual leave next week, Sam is covering",
        "I still need overtime cover for Saturday nights",
        "I could murder a coffee after that list",
        "we smashed our flu jab target 💪",
        "getting hammered with referrals today, bear with us",
        "absolutely wrecked after 4 nights, bed time",
        "the vending machine has run out of coke again 😂",
        "❄️ snow warning tomorrow, drive safe ❄️",
        "good stuff team, lovely work today 😂",
        "Happy Eid Mubarak to everyone celebrating 🌙",
        "welcome to our new international nurses from Kerala and Manila!",
        "Vote for the Christmas meal venue with a 👍",
        "Join my team! Band 5 vacancies on ward 7, informal visits welcome",
        "can someone from the late shift swap with me?",
        "DM me if you want a lift to the Christmas do",
        "I'll sort you out with a spare locker key tomorrow",
        "you're a star, thanks for covering",
        "where are the syringe drivers kept on ward 5?",
        "insulin training Tuesday 2pm in the seminar room",
        "the complaints team has moved to the 2nd floor",
        "Lovely Google review from a family today, well done all 🎉",
        "I'm done for the day, anyone need a hand before I go?",
        "how are you? can't complain",
        "me and my pals are doing the 10k for fun",
        "Pharmacy closes at 5 on Saturday, order TTOs early",
        "Dress code for the awards is smart casual",
        "Fancy dress for the Christmas party is optional!",
        "Could the late shift check the controlled drugs with me at 8?",
        "Reminder to sign the controlled drug book clearly",
        "The union rep is available in the canteen on Tuesdays",
        "Welcome to Tomasz, our new HCA from Poland 👋",
        "Happy Pride month to all our LGBTQ+ colleagues 🏳️‍🌈",
        "Good luck to Lucy who is running the marathon this weekend!",
        "Free fruit in the staff room today courtesy of the League of Friends",
        "Doctors mess BBQ on Friday, bring your own drinks",
        "Who took the stapler from the nurses' station? 😂",
        "the government has announced extra funding for maternity",
        "Feedback from the family of the lady we looked after last week was lovely",
    ],
)
def test_clean_staff_messages_stay_clean(screener: Screener, text: str) -> None:
    verdict = screener.screen(text)
    assert verdict.action is Action.ALLOW
    assert verdict.findings == ()


@pytest.mark.parametrize(
    "text",
    [
        "Group rules: no swearing, no selling or advertising, no political posts, charity posts "
        "are checked by an admin, HR and pay questions go to payroll, and please don't private "
        "message people about trust business.",
        "Reminder from the code of conduct: complaints from patients and relatives go to PALS, "
        "not this group.",
        "From the policy: staff groups should not be used for providing or sharing clinical "
        "information.",
        "Individual service user queries or complaints should not be handled using social media.",
        "Do not make allegations of misconduct and/or illegal practices against a member of staff "
        "on social media; these matters should be reported to your line manager.",
        "Any posts which are political or controversial will be declined - as a public body we "
        "must remain neutral.",
        "Please don't private message people and for any Trust business use email.",
        "Staff must make sure their behaviour online does not amount to bullying or harassment.",
        "If a member of staff believes they are being harassed or bullied because of another "
        "member of staff's post, they should raise it with their manager.",
        "Concerns about a colleague should be reported to your line manager, not posted here.",
        "Protect the information you share, such as your personal email address or personal "
        "phone number, with your privacy settings.",
    ],
)
def test_quoted_rules_and_policy_text_is_clean(screener: Screener, text: str) -> None:
    assert screener.screen(text).findings == ()


def test_the_bots_own_rules_text_is_clean(screener: Screener) -> None:
    if not TEXTS_FILE.exists():
        pytest.skip("the bot's texts are not in this checkout")
    rules_text = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))["code_of_conduct"]
    assert screener.screen(rules_text).findings == ()
    for line in rules_text.splitlines():
        assert screener.screen(line).findings == (), line


# --- through the screener: what a user sees -------------------------------------------


def test_swearing_is_removed_and_masked_in_the_redacted_text(screener: Screener) -> None:
    verdict = screener.screen("f*cking CAD has crashed AGAIN, back on paper 🙃")
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (OFFENSIVE,)
    assert verdict.redacted_text == "f****** CAD has crashed AGAIN, back on paper 🙃"


def test_a_slur_is_masked_and_an_abusive_sentence_stays_readable(screener: Screener) -> None:
    verdict = screener.screen("Lisa in control is thick as mince, and a retard")
    assert verdict.action is Action.REMOVE
    assert set(verdict.categories) == {ABUSE, DISCRIMINATION}
    assert "retard" not in verdict.redacted_text
    assert "r*****" in verdict.redacted_text
    assert "thick as mince" in verdict.redacted_text


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("Raffle tickets for the hospice, £1 a strip, see me at reception", Action.HOLD),
        (
            "my pay's wrong again, missing 3 nights of enhancements, who do I speak to?",
            Action.SIGNPOST,
        ),
        ("can someone from IT ring me about my smartcard", Action.SIGNPOST),
        ("what's the buccal midaz dose for a 7 year old again?", Action.SIGNPOST),
        ("Starmer's sold us all out on pay, remember that at the next election", Action.REMOVE),
    ],
)
def test_actions_come_from_the_category_defaults(
    screener: Screener, text: str, action: Action
) -> None:
    assert screener.screen(text).action is action


def test_negated_requests_are_not_breaches(screener: Screener) -> None:
    assert (
        screener.screen("please don't DM me on my personal WhatsApp about the rota").findings == ()
    )
    assert screener.screen("Testicular health talk Tues - no fundraising, just info").findings == ()


def test_one_screen_returns_patient_data_and_conduct_findings_together() -> None:
    class FakeNhsNumberDetector:
        name = "fake_nhs"
        categories = ("patient.nhs_number",)

        def find(self, text: NormalisedText) -> list[Match]:
            start = text.text.index("485")
            return [Match("patient.nhs_number", "fake", start, start + 12, 0.99)]

    screener = Screener(detectors=[FakeNhsNumberDetector(), *conduct_detectors()])
    verdict = screener.screen("NHS 485 777 3456 is a f*cking nightmare to book")
    assert set(verdict.categories) == {"patient.nhs_number", OFFENSIVE}
    assert verdict.redacted_text == "NHS [NHS number] is a f****** nightmare to book"


def test_matches_use_the_shared_vocabulary(detector: ConductDetector) -> None:
    expected = {name for name in CATEGORIES if name.startswith("conduct.")} | {CLINICAL}
    assert set(detector.categories) == expected
    match = detector.find(NormalisedText("what the fuck"))[0]
    assert isinstance(match, Match)
    assert match.rule == "offensive_language.swearing"
    assert match.reason


# --- the rules are data a trust can read and extend ----------------------------------


def test_a_trusts_extra_terms_are_matched_disguised_too() -> None:
    extended = ConductDetector(extra_terms={OFFENSIVE: ["frick +ing"]})
    assert found(extended, "this fr*cking printer")[OFFENSIVE]
    assert found(extended, "frrrrick")[OFFENSIVE]
    assert not found(ConductDetector(), "this fr*cking printer")


def test_rules_load_from_a_trusts_file_and_merge_with_the_shipped_ones(tmp_path: Path) -> None:
    trust_file = tmp_path / "trust-rules.yaml"
    trust_file.write_text(
        """
categories:
  conduct.commercial:
    rules:
      - id: lottery_syndicate
        confidence: 0.7
        reason: a lottery syndicate
        phrases: [lottery syndicate]
        near:
          - [join, £]
  conduct.offensive_language:
    rules:
      - id: mild_swearing
        enabled: false
        confidence: 0.4
        terms: [bloody]
""",
        encoding="utf-8",
    )
    rules = default_rules().merged(load_rules(trust_file))
    detector = ConductDetector(rules)
    assert found(detector, "join our lottery syndicate, £2 a week")[COMMERCIAL][0].rule == (
        "commercial.lottery_syndicate"
    )
    assert found(detector, "lottery syndicate results are in") == {}
    assert found(detector, "bloody hell") == {}
    assert found(ConductDetector(), "bloody hell")[OFFENSIVE]


def test_pattern_rules_run_only_when_their_near_words_are_there() -> None:
    rules = ConductRules.model_validate(
        {
            "categories": {
                COMMERCIAL: {
                    "rules": [
                        {
                            "id": "voucher",
                            "confidence": 0.8,
                            "patterns": [r" [a-z]+\d+ "],
                            "near": [["voucher"]],
                        }
                    ]
                }
            }
        }
    )
    detector = ConductDetector(rules)
    match = found(detector, "voucher SAVE20 for everyone")[COMMERCIAL][0]
    assert (match.start, match.end) == (8, 14)
    assert found(detector, "code SAVE20 for everyone") == {}


def test_a_pattern_that_matches_nothing_finds_nothing() -> None:
    rule = {"id": "empty", "confidence": 0.9, "patterns": ["x*"]}
    rules = ConductRules.model_validate({"categories": {COMMERCIAL: {"rules": [rule]}}})
    assert ConductDetector(rules).find(NormalisedText("nothing to see here")) == []


def test_yaml_words_like_no_and_on_stay_words(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("negators: [no, on, off]\ncategories: {}\n", encoding="utf-8")
    assert load_rules(path).negators == ("no", "on", "off")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("categories:\n  conduct.gossip:\n    rules: []\n", "unknown category"),
        (
            "categories:\n  conduct.abuse:\n    rules:\n      - {id: x, confidence: 0.5}\n",
            "needs terms, phrases",
        ),
        (
            "categories:\n  conduct.abuse:\n    rules:\n"
            "      - {id: x, confidence: 0.5, patterns: ['(']}\n",
            "does not compile",
        ),
        (
            "categories:\n  conduct.abuse:\n    rules:\n"
            "      - {id: x, confidence: 2, terms: [a]}\n",
            "confidence",
        ),
        ("categories: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_rules_file_is_refused_with_the_reason(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=problem):
        load_rules(path)


# --- the folding underneath ----------------------------------------------------------


def test_folding_keeps_every_position() -> None:
    for text in ["Fück ÇA", "ｆｕｌｌ width", "İstanbul", "Ελλάδα", "ok`s"]:
        assert len(fold(text)) == len(text)


def test_tokens_point_back_at_what_was_typed() -> None:
    folder = Folder(Vocabulary(["fuck", "shit", "its"], ["fuck", "shit"]))
    text = "it's f u c k, 5mg sh.it"
    tokens = folder.tokens(text)
    assert tokens.forms == ["its", "fuck", "0", "mg", "shit"]
    assert [text[start:end] for start, end in zip(tokens.starts, tokens.ends, strict=True)] == [
        "it's",
        "f u c k",
        "5",
        "mg",
        "sh.it",
    ]


def test_spaced_out_digits_never_spell_a_word() -> None:
    folder = Folder(Vocabulary(["ass", "asses"], ["ass"]))
    assert "ass" not in folder.tokens("call 0 7 7 4 5 5 9").forms


# --- never raises, stays fast ---------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_is_screened_without_error(text: str) -> None:
    detector = ConductDetector()
    normalised = NormalisedText(text)
    for match in detector.find(normalised):
        assert 0 <= match.start < match.end <= len(normalised.text)
        assert 0.0 <= match.confidence <= 1.0


def _hostile_inputs() -> dict[str, str]:
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return {
        "digits": "4" * 4096,
        "digits with spaces": " ".join(rng.choice("0123456789") for _ in range(2048)),
        "mixed scripts and combining marks": "".join(
            rng.choice(["a", "б", "ك", "字", "z̴", "é", "🙂", "\u0301", "\u200b", "1", " "])
            for _ in range(4096)
        ),
        "spaced letters": " ".join(rng.choice(letters) for _ in range(2048)),
        "masked words": " ".join(
            rng.choice(letters) + "*" * rng.randint(1, 3) + rng.choice(letters) for _ in range(900)
        )[:4096],
        "question marks": "? " * 2048,
        "emoji": "😂" * 4096,
        "one long word": "a" * 4096,
        "stars": "f" + "*" * 4095,
        "rule words": " ".join(
            rng.choice(["you", "my", "pay", "fuck", "?", "dose"]) for _ in range(700)
        ),
    }


@pytest.mark.parametrize("name", list(_hostile_inputs()))
def test_hostile_input_is_screened(detector: ConductDetector, name: str) -> None:
    text = NormalisedText(_hostile_inputs()[name])
    for match in detector.find(text):  # its speed is in `make bench`'s hostile table
        assert 0 <= match.start <= match.end <= len(text.text)


# --- the dev corpus -------------------------------------------------------------------


def test_dev_corpus_conduct_categories_are_found_and_clean_lines_stay_clean() -> None:
    result = evaluate(read_corpus(DEV_CORPUS), Screener(detectors=conduct_detectors()))
    assert result.macro_f1("conduct.") >= 0.85
    assert result.categories[CLINICAL].f1 >= 0.8
    assert result.clean_removed == 0
    clean_with_findings = [
        mistake.id
        for mistake in result.mistakes
        if mistake.expected_action is Action.ALLOW and mistake.predicted
    ]
    assert clean_with_findings == []
