"""Notifications: what happened that someone should know, in the app (the bell, the inbox) and by e-mail (at
once or in the daily digest), from the domain events (webapp.wiring). E-mails carry no personal data."""
