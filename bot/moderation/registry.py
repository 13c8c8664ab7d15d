"""The detectors a screener runs under a given policy."""

from __future__ import annotations

from bot.codeofconduct import conduct_detectors
from bot.moderation.detectors import Detector
from bot.moderation.detectors.address import AddressDetector
from bot.moderation.detectors.clinical_detail import ClinicalDetailDetector
from bot.moderation.detectors.contact import ContactDetector
from bot.moderation.detectors.dob import DateOfBirthDetector
from bot.moderation.detectors.hospital_number import HospitalNumberDetector
from bot.moderation.detectors.names import PatientNameDetector
from bot.moderation.detectors.nhs_number import NhsNumberDetector
from bot.moderation.detectors.nino import NinoDetector
from bot.moderation.policy import ScreeningPolicy


def default_detectors(policy: ScreeningPolicy) -> list[Detector]:
    return [
        NhsNumberDetector(),
        NinoDetector(),
        HospitalNumberDetector(policy.hospital_number_formats),
        PatientNameDetector(),
        DateOfBirthDetector(),
        ContactDetector(),
        AddressDetector(),
        ClinicalDetailDetector(),
        *conduct_detectors(extra_terms=policy.conduct_terms),
    ]
