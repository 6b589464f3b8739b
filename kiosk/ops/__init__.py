"""The operators' console: today's live page, moderation, blocks, hall settings,
reports and exports, after-work follow-up, access (logins, kiosks, tokens).
"""
