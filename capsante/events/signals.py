"""The events' signals, apart from the code that sends them: a layer above connects to them when
its app is ready, and importing them must not import the registrations' libraries (iCalendar…)
at start-up."""

from django.dispatch import Signal

# Sent once a registrant has confirmed their address (keyword argument: registration).
address_confirmed = Signal()
