import pytest


def pytest_addoption(parser):
    parser.addoption("--quotaguard", required=True, help="the quotaguard binary under test")


@pytest.fixture
def quotaguard(request):
    return request.config.getoption("--quotaguard")
