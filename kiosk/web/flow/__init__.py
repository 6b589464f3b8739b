"""The kiosk's step-by-step flows: answers kept in the session between screens, the
screens both flows share, posting a job, and the after-work questions.
"""
