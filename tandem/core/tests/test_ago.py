"""Times ago read as Chinese readers write them (issue 13 §5: "28秒之前" → "28秒前")."""

from __future__ import annotations

import datetime

from django.utils import timezone, translation

from tandem.core.templatetags.tandem import ago


def test_times_ago_and_ahead_read_with_qian_and_hou_in_chinese() -> None:
    now = timezone.now()
    with translation.override("zh-hans"):
        assert ago(now - datetime.timedelta(seconds=28)) == "28秒前"
        assert ago(now - datetime.timedelta(minutes=5, seconds=1)) == "5分钟前"
        assert ago(now - datetime.timedelta(hours=3, seconds=1)) == "3小时前"
        assert ago(now - datetime.timedelta(days=3, seconds=1)) == "3\xa0日前"
        assert ago(now + datetime.timedelta(minutes=5, seconds=30)).endswith("分钟后")
    with translation.override("en"):
        assert ago(now - datetime.timedelta(minutes=5, seconds=1)) == "5\xa0minutes ago"
