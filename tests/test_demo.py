import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import time

import pytest

from tandem.launcher.demo import (
    DEMO_EMAIL_DOMAIN,
    MAX_PEOPLE,
    MIN_PEOPLE,
    RECENT_HIRE_DAYS,
    DemoOrganization,
    Person,
    Program,
    generate_demo,
)

DEMO = generate_demo()
PEOPLE = {person.external_id: person for person in DEMO.people}
OFFICE_LANGUAGES = {"Amsterdam": "nl", "São Paulo": "pt", "Bengaluru": "hi", "Singapore": "zh"}


def _program(kind: str) -> Program:
    (program,) = (program for program in DEMO.programs if program.kind == kind)
    return program


def _enrolled(program: Program, role: str) -> list[Person]:
    return [PEOPLE[e.external_id] for e in program.enrollments if e.role == role]


def _managers_of(person: Person) -> list[Person]:
    chain = []
    while person.manager_external_id is not None:
        person = PEOPLE[person.manager_external_id]
        chain.append(person)
        assert len(chain) <= len(PEOPLE), "the reporting lines loop"
    return chain


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


# Determinism and size ---------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_organization() -> None:
    assert generate_demo(seed=7) == generate_demo(seed=7) == DEMO


def test_the_same_seed_gives_the_same_organization_in_another_process() -> None:
    """Iterating over a set of strings would differ between processes; the output must not."""
    script = "from tandem.launcher.demo import generate_demo; print(repr(generate_demo()))"
    environment = os.environ | {"PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, check=True, capture_output=True, text=True
    )

    assert result.stdout.strip() == repr(DEMO)


def test_another_seed_gives_another_organization() -> None:
    other = generate_demo(seed=8)

    assert other != DEMO
    assert [p.full_name for p in other.people] != [p.full_name for p in DEMO.people]


def test_the_organization_has_as_many_people_as_asked() -> None:
    assert len(DEMO.people) == 240
    assert len(generate_demo(people=100).people) == 100


@pytest.mark.parametrize("people", [MIN_PEOPLE - 1, MAX_PEOPLE + 1])
def test_an_organization_too_small_or_too_large_is_refused(people: int) -> None:
    with pytest.raises(ValueError, match="people must be between"):
        generate_demo(people=people)


# Departments, places and languages --------------------------------------------------------------


def test_people_work_in_at_least_six_departments() -> None:
    assert len(DEMO.departments) >= 6
    assert set(DEMO.departments) == {person.department for person in DEMO.people}


def test_people_live_in_at_least_three_regions() -> None:
    regions = {person.time_zone.split("/")[0] for person in DEMO.people}

    assert len(regions) >= 3


def test_every_location_has_one_time_zone() -> None:
    zones = defaultdict(set)
    for person in DEMO.people:
        zones[person.location].add(person.time_zone)

    assert all(len(zone) == 1 for zone in zones.values())


def test_everyone_speaks_english_and_languages_are_iso_639_1_codes() -> None:
    for person in DEMO.people:
        assert "en" in person.languages
        assert len(set(person.languages)) == len(person.languages)
        assert all(re.fullmatch("[a-z]{2}", code) for code in person.languages)


@pytest.mark.parametrize(("location", "language"), OFFICE_LANGUAGES.items())
def test_most_people_at_an_office_speak_its_language(location: str, language: str) -> None:
    there = [person for person in DEMO.people if person.location == location]

    assert there
    assert sum(language in person.languages for person in there) > len(there) / 2


# The manager tree -------------------------------------------------------------------------------


def test_the_manager_tree_has_one_root_and_no_cycles() -> None:
    roots = [person for person in DEMO.people if person.manager_external_id is None]

    assert len(roots) == 1
    for person in DEMO.people:
        chain = _managers_of(person)
        assert person not in chain
        assert person is roots[0] or chain[-1] is roots[0]


def test_the_root_is_the_ceo_and_department_heads_report_to_them() -> None:
    (ceo,) = (person for person in DEMO.people if person.manager_external_id is None)
    heads = [p for p in DEMO.people if p.manager_external_id == ceo.external_id]

    assert ceo.job_level == 9
    assert ceo.title == "Chief Executive Officer"
    assert {head.department for head in heads} == set(DEMO.departments) - {ceo.department}
    assert all(head.job_level in (7, 8) for head in heads)


def test_every_manager_exists_and_is_above_their_reports() -> None:
    for person in DEMO.people:
        if person.manager_external_id is not None:
            assert person.manager_external_id in PEOPLE
            assert PEOPLE[person.manager_external_id].job_level > person.job_level


def test_job_levels_run_from_one_to_nine() -> None:
    assert {person.job_level for person in DEMO.people} == set(range(1, 10))


def test_titles_follow_the_department_and_level() -> None:
    titles = defaultdict(set)
    for person in DEMO.people:
        titles[person.title].add((person.department, person.job_level))

    assert all(len(places) == 1 for places in titles.values())
    assert len(titles) >= 40


# Identities -------------------------------------------------------------------------------------


def test_emails_and_external_ids_are_unique_and_well_formed() -> None:
    emails = [person.email for person in DEMO.people]

    assert len(set(emails)) == len(emails)
    assert len(PEOPLE) == len(DEMO.people)
    assert all(re.fullmatch(rf"[a-z]+\.[a-z]+\d*@{DEMO_EMAIL_DOMAIN}", e) for e in emails)
    assert all(re.fullmatch(r"E\d{5}", external_id) for external_id in PEOPLE)


def test_names_come_from_several_cultures() -> None:
    last_names = Counter(person.full_name.split()[-1] for person in DEMO.people)

    assert len({"Jansen", "Silva", "Sharma", "Chen", "Smith", "Adeyemi"} & set(last_names)) >= 4
    assert len(last_names) >= 50


# Hire dates -------------------------------------------------------------------------------------


def test_hire_dates_span_about_eight_years_with_a_few_recent_hires() -> None:
    days = [person.hired_days_ago for person in DEMO.people]
    recent = [person for person in DEMO.people if person.is_recent_hire]

    assert max(days) >= 7 * 365
    assert all(0 < day <= 9 * 365 for day in days)
    assert 3 <= len(recent) <= len(DEMO.people) // 10
    assert all(person.hired_days_ago < RECENT_HIRE_DAYS for person in recent)


# Skills and interests ---------------------------------------------------------------------------


def test_the_skill_catalogue_has_forty_to_sixty_skills_in_categories_with_aliases() -> None:
    assert 40 <= len(DEMO.skills) <= 60
    assert len({skill.category for skill in DEMO.skills}) >= 6
    assert sum(bool(skill.aliases) for skill in DEMO.skills) >= 10
    assert next(s for s in DEMO.skills if s.name == "Python").aliases == ("py",)


def test_skill_names_and_aliases_are_unique_ignoring_case() -> None:
    names = [name.casefold() for s in DEMO.skills for name in (s.name, *s.aliases)]

    assert len(set(names)) == len(names)


def test_people_offer_and_want_only_catalogue_skills() -> None:
    catalogue = {skill.name for skill in DEMO.skills}

    for person in DEMO.people:
        assert {s.skill for s in person.offered} <= catalogue
        assert {s.skill for s in person.wanted} <= catalogue


def test_people_offer_two_to_five_skills_and_want_one_to_three() -> None:
    for person in DEMO.people:
        assert 2 <= len(person.offered) <= 5
        assert 1 <= len(person.wanted) <= 3
        assert all(1 <= skill.proficiency <= 5 for skill in person.offered)
        assert sorted(skill.priority for skill in person.wanted) == list(
            range(1, len(person.wanted) + 1)
        )


def test_wanted_skills_are_never_offered_by_the_same_person() -> None:
    for person in DEMO.people:
        assert not {s.skill for s in person.offered} & {s.skill for s in person.wanted}


def test_seniors_are_more_proficient_than_juniors() -> None:
    def mean_proficiency(levels: range) -> float:
        return statistics.mean(
            skill.proficiency
            for person in DEMO.people
            if person.job_level in levels
            for skill in person.offered
        )

    assert (
        mean_proficiency(range(6, 10))
        > mean_proficiency(range(3, 6))
        > mean_proficiency(range(1, 3))
    )


def test_people_have_at_most_four_distinct_interests() -> None:
    for person in DEMO.people:
        assert len(person.interests) <= 4
        assert len(set(person.interests)) == len(person.interests)
    assert any(person.interests for person in DEMO.people)


# Availability -----------------------------------------------------------------------------------


def test_every_window_is_on_the_15_minute_grid_within_weekday_working_hours() -> None:
    for person in DEMO.people:
        assert 1 <= len(person.availability) <= 5
        for window in person.availability:
            assert 0 <= window.weekday <= 4
            assert time(8) <= window.start < window.end <= time(18)
            assert all(t.minute % 15 == 0 and t.second == 0 for t in (window.start, window.end))
            assert 30 <= _minutes(window.end) - _minutes(window.start) <= 240


def test_leaders_at_headquarters_keep_thursday_afternoon_for_their_circles() -> None:
    (circles,) = (program for program in DEMO.programs if program.kind == "circle")
    members = [PEOPLE[enrollment.external_id] for enrollment in circles.enrollments]

    assert len(members) == 30
    assert {person.location for person in members} == {"Amsterdam"}
    for person in members:
        (thursday,) = [w for w in person.availability if w.weekday == 3]
        assert thursday.start <= time(15)
        assert time(17) <= thursday.end


def test_windows_of_one_person_never_overlap() -> None:
    for person in DEMO.people:
        weekdays = [window.weekday for window in person.availability]
        assert len(set(weekdays)) == len(weekdays)


# Programs ---------------------------------------------------------------------------------------


def test_there_is_a_program_of_every_kind_but_peer() -> None:
    assert {program.kind for program in DEMO.programs} == {
        "traditional",
        "reverse",
        "onboarding",
        "circle",
        "mutual",
    }
    assert len({program.name for program in DEMO.programs}) == len(DEMO.programs)


@pytest.mark.parametrize("program", DEMO.programs, ids=lambda program: program.kind)
def test_enrollments_are_real_people_enrolled_once_per_program(program: Program) -> None:
    enrolled = [enrollment.external_id for enrollment in program.enrollments]

    assert set(enrolled) <= set(PEOPLE)
    assert len(set(enrolled)) == len(enrolled)


def test_the_traditional_program_has_about_sixty_enrollments_across_departments() -> None:
    program = _program("traditional")

    assert 45 <= len(program.enrollments) <= 75
    assert program.rules.department_policy == "cross_department"
    mentor_departments = {person.department for person in _enrolled(program, "mentor")}
    assert {"Engineering"} < mentor_departments <= {"Engineering", "Product", "Design"}


def test_traditional_mentors_have_room_and_are_more_senior_than_the_mentees() -> None:
    program = _program("traditional")
    mentors = [e for e in program.enrollments if e.role == "mentor"]
    median_mentee_level = statistics.median(p.job_level for p in _enrolled(program, "mentee"))

    assert all(1 <= mentor.capacity <= 3 for mentor in mentors)
    assert all(PEOPLE[m.external_id].job_level >= median_mentee_level for m in mentors)


def test_traditional_mentees_ask_for_skills_they_want() -> None:
    for enrollment in _program("traditional").enrollments:
        wanted = {skill.skill for skill in PEOPLE[enrollment.external_id].wanted}
        assert set(enrollment.wanted_skills) <= wanted
        assert enrollment.role == "mentor" or enrollment.wanted_skills


def test_reverse_mentoring_has_juniors_teaching_leaders_about_ai() -> None:
    program = _program("reverse")
    mentors, mentees = _enrolled(program, "mentor"), _enrolled(program, "mentee")

    assert 15 <= len(program.enrollments) <= 25
    assert max(p.job_level for p in mentors) < min(p.job_level for p in mentees)
    assert all(e.wanted_skills for e in program.enrollments if e.role == "mentee")


def test_the_recent_hires_are_the_onboarding_mentees() -> None:
    program = _program("onboarding")
    recent_hires = {person.external_id for person in DEMO.people if person.is_recent_hire}
    mentors = _enrolled(program, "mentor")

    assert recent_hires
    assert {p.external_id for p in _enrolled(program, "mentee")} == recent_hires
    assert mentors
    assert not any(mentor.is_recent_hire for mentor in mentors)


def test_only_the_traditional_program_is_put_under_way_on_start_up() -> None:
    """One program goes the whole way on start-up; the others wait for a user's run (the
    onboarding program's worker proposes buddies on its own as newcomers enroll)."""
    assert [program.kind for program in DEMO.programs if program.under_way] == ["traditional"]


def test_a_smaller_organization_still_has_every_program() -> None:
    small: DemoOrganization = generate_demo(seed=3, people=MIN_PEOPLE)

    assert all(program.enrollments for program in small.programs)
