"""The editorial calendar: a month of items laid out by day, and moving an item to a day."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from competencyworks.editorial import content

FIRST_WEEKDAY = calendar.SUNDAY  # as American wall calendars
YEARS = range(1900, 3000)  # a month outside these is no calendar page
MONTH_LIMIT = 500  # items shown in one month; imported archives can date many on one day


@dataclass
class Day:
    date: date
    in_month: bool
    is_today: bool
    items: list = field(default_factory=list)

    @property
    def is_weekend(self):
        return self.date.weekday() >= 5


class Month:
    """One month's grid (whole weeks) with each day's items, in the site's time zone."""

    def __init__(self, year, month, kinds, today):
        self.first = date(year, month, 1)
        self.today = today
        zone = content.site_zone()
        start = datetime(year, month, 1, tzinfo=zone)
        end = datetime(self.next.year, self.next.month, 1, tzinfo=zone)
        self.items = content.between(kinds, start, end, MONTH_LIMIT)
        self.truncated = len(self.items) == MONTH_LIMIT
        by_day = {}
        for item in self.items:
            by_day.setdefault(item.local_time.date(), []).append(item)
        self.weeks = [
            [Day(day, day.month == month, day == self.today, by_day.get(day, [])) for day in week]
            for week in calendar.Calendar(FIRST_WEEKDAY).monthdatescalendar(year, month)
        ]

    @property
    def days(self):
        """The month's days that have items, for the list view."""
        return [day for week in self.weeks for day in week if day.in_month and day.items]

    @property
    def weekdays(self):
        return [day.date for day in self.weeks[0]]

    @property
    def previous(self):
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self):
        return (self.first + timedelta(days=31)).replace(day=1)

    @property
    def is_current(self):
        return (self.first.year, self.first.month) == (self.today.year, self.today.month)


def moved_to(when, day):
    """`when` moved to `day`, keeping its time of day on the site's wall clock."""
    zone = content.site_zone()
    local = timezone.localtime(when, zone)
    return timezone.make_aware(datetime.combine(day, local.time()), zone)
