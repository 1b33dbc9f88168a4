"""The list of blueprints, kept apart from the factory so each domain stays self-contained."""
from .api.views import bp as api_bp
from .bundles.views import bp as bundles_bp
from .calendar.views import bp as calendar_bp
from .campaigns.views import bp as campaigns_bp
from .main.views import bp as main_bp
from .ocr.views import bp as ocr_bp
from .reminders.views import bp as reminders_bp
from .reports.views import bp as reports_bp
from .requests.views import bp as requests_bp
from .scoring.views import bp as scoring_bp
from .users.token_views import bp as api_tokens_bp
from .users.views import bp as users_bp

BLUEPRINTS = [main_bp, users_bp, campaigns_bp, calendar_bp, requests_bp, reminders_bp, reports_bp, scoring_bp,
              api_bp, api_tokens_bp, ocr_bp, bundles_bp]
