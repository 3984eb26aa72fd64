# Dates as the portal writes them in Japanese (Django's own ja formats run the time into the
# date: 2026年11月25日9:05).
DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
