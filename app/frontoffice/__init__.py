"""The front office: the day's queue, kiosk and board, the guest book screens."""
