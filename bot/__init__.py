"""StaffGuard: keeps patient data and abuse out of NHS staff messaging groups."""

__version__ = "0.1.0"
