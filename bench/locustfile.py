"""The journeys of bench_load.py's simulated users (locust, run by bench_load.py).

Each simulated user takes a logged-in session of one of the prepared staff (a township social
worker, a charity's staff, a county's civil affairs reviewer) and walks that role's pages with
the ids prepared for it, as a person would: a few seconds between pages. ``BENCH_LOAD_PLAN``
names the JSON file of sessions and ids.
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115


class _Staff(HttpUser):
    abstract = True
    wait_time = between(1, 4)
    role = ""

    def on_start(self) -> None:
        self.me = random.choice(PLAN[self.role])
        self.client.cookies.set("sessionid", self.me["session"])

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} at {url}")
                return ""
            if re.search(r'name="username"', r.text) and "/login" in r.url:
                r.failure("sent to the login page")
                return ""
            return r.text


class SocialWorker(_Staff):
    """A township worker on a home visit: the list, a household, a need's candidates."""

    weight = 5
    role = "worker"

    @task(3)
    def household_list(self) -> None:
        self.page("/needs/households/", "worker: household list")

    @task(1)
    def household_search(self) -> None:
        self.page(f"/needs/households/?q={self.me['surname']}", "worker: household search")

    @task(3)
    def household(self) -> None:
        pk = random.choice(self.me["households"])
        self.page(f"/needs/households/{pk}/", "worker: household")

    @task(3)
    def candidates(self) -> None:
        pk = random.choice(self.me["needs"])
        self.page(f"/matching/needs/{pk}/candidates/", "worker: candidates of a need")

    @task(1)
    def applications(self) -> None:
        self.page("/matching/applications/", "worker: applications")

    @task(1)
    def dashboard(self) -> None:
        self.page("/dashboard/", "worker: dashboard")


class CharityStaff(_Staff):
    """A charity's staff: the inbox of applications, one of them, the projects."""

    weight = 2
    role = "charity"

    @task(3)
    def inbox(self) -> None:
        self.page("/matching/inbox/", "charity: inbox")

    @task(2)
    def application(self) -> None:
        pk = random.choice(self.me["applications"])
        self.page(f"/matching/applications/{pk}/", "charity: application")

    @task(1)
    def workspace(self) -> None:
        self.page("/supply/mine/", "charity: own projects")


class Reviewer(_Staff):
    """A county's civil affairs: the review queue, an application, the county's households."""

    weight = 2
    role = "reviewer"

    @task(3)
    def review_queue(self) -> None:
        self.page("/matching/review/", "reviewer: review queue")

    @task(2)
    def application(self) -> None:
        pk = random.choice(self.me["applications"])
        self.page(f"/matching/applications/{pk}/", "reviewer: application")

    @task(2)
    def households(self) -> None:
        self.page("/needs/households/?status=dibao", "reviewer: county households, dibao")

    @task(1)
    def projects(self) -> None:
        self.page("/supply/", "reviewer: project ledger")
