"""People the ownership tests add to the ``world`` company (tandem/conftest.py).

- 曹阳 (cao): technical support, inside East sales, reads Chinese. Support may view the team's
  customers but own nothing: no deal, account, contact or lead may be given to them.
- Lily (lily): a sales rep whose primary team is West sales and who also belongs to East sales:
  within the East sales manager's reach, but what she receives goes to West sales, out of
  that manager's sight.
"""

from __future__ import annotations

from tandem.conftest import World
from tandem.org.models import User
from tandem.org.tests.factories import UserFactory, join


def cao(world: World) -> User:
    person: User = UserFactory(
        username="cao", display_name="曹阳", roles=["technical-support"], language="zh-hans"
    )
    join(person, world.east_sales)
    return person


def lily(world: World) -> User:
    person: User = UserFactory(
        username="lily", display_name="Lily", roles=["sales-rep"], manager=world.manager
    )
    join(person, world.west_sales)
    join(person, world.east_sales, primary=False)
    return person


def speaks_chinese(user: User) -> User:
    User.objects.filter(pk=user.pk).update(language="zh-hans")
    user.language = "zh-hans"
    return user
