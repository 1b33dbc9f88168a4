"""Every model, imported in one place so Alembic and create_all see the whole schema."""
from .api.models import ApiToken
from .calendar.models import CalendarOverride, CalendarRevision, ConfirmedYear
from .campaigns.models import Campaign, CampaignMember, Target
from .core.audit import AuditEntry
from .core.data_revision import DataRevision
from .ocr.models import OcrScan
from .reminders.models import OutboxMessage, ReminderSent
from .reports.target_revisions import TargetRevision
from .requests.models import Attachment, MockRequest, PhoneAttempt, Reply, RequestEvent
from .scoring.models import Evidence, IndicatorFacts, ReviewEvent, RubricVersion, ScoreSheet
from .users.models import LoginAttempt, User, UserSession

__all__ = [
    "ApiToken", "AuditEntry", "Attachment", "CalendarOverride", "CalendarRevision", "Campaign", "CampaignMember",
    "ConfirmedYear", "OcrScan", "DataRevision", "Evidence", "IndicatorFacts", "LoginAttempt", "MockRequest", "OutboxMessage",
    "PhoneAttempt", "ReminderSent", "Reply", "RequestEvent", "ReviewEvent", "RubricVersion", "ScoreSheet", "Target",
    "TargetRevision", "User", "UserSession",
]
