"""Telegram adapters: PTB updates in, platform-neutral `Post`s out."""
