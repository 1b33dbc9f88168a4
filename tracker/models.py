"""Every model, imported in one place so Alembic and create_all see the whole schema."""
from .api.models import ApiToken
from .calendar.models import CalendarOverride, ConfirmedYear
from .campaigns.models import Campaign, CampaignMember, Target
from .core.audit import AuditEntry
from .ocr.models import OcrScan
from .core.mail import OutboxMessage
from .core.revisions import Revision
from .reminders.models import ReminderSent
from .reports.models import ReportJob
from .core.files import Attachment
from .requests.models import MockRequest, PhoneAttempt, Reply, RequestEvent
from .scoring.models import Evidence, IndicatorFacts, ReviewEvent, RubricVersion, ScoreSheet
from .users.models import LoginAttempt, User, UserSession

__all__ = [
    "ApiToken", "AuditEntry", "Attachment", "CalendarOverride", "Campaign", "CampaignMember",
    "ConfirmedYear", "OcrScan", "Evidence", "IndicatorFacts", "LoginAttempt", "MockRequest", "OutboxMessage",
    "PhoneAttempt", "ReminderSent", "Reply", "ReportJob", "RequestEvent", "Revision", "ReviewEvent", "RubricVersion", "ScoreSheet", "Target",
    "User", "UserSession",
]
