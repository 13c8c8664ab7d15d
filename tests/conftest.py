import os

# Opt in to python-telegram-bot's timedelta `retry_after` (the product does the same).
os.environ.setdefault("PTB_TIMEDELTA", "1")
