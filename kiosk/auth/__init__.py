"""Who is asking: API bearer tokens, operators' logins and roles, enrolled kiosk devices."""
