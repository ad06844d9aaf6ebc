"""axe-core's verdict on the page a test has in front of it."""

from axe_playwright_python.sync_playwright import Axe

SERIOUS = {"serious", "critical"}


def axe_problems(page, context=None):
    """Serious and critical axe-core violations, one line each, once the page has loaded: a
    page still arriving can lack its styles or half its elements."""
    page.wait_for_load_state()
    results = Axe().run(page, context=context)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
        f"{[node['target'] for node in violation['nodes']][:5]}"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]
