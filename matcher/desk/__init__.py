"""The operators' desk rules kept in the store: accounts, devices, audit trail, blocks,
moderation, market settings, after-work outcomes and sealed phone numbers.
"""
