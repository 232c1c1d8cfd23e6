"""Survey answers in aggregate, and a program's NPS and survey response rate: a question answered
by fewer than the minimum of people shows nothing, and within one, each option under the
minimum is hidden with as many others as it takes (see `suppression`).

NPS is published as its three categories and the score: the score only when no category is
hidden (with the number who answered, it would give a hidden one away), and the answers 0-10
themselves never (they would split a category into groups it does not publish)."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from uuid import UUID

from tandem.feedback.kpis.suppression import MINIMUM_GROUP, TOTAL, People, suppressed
from tandem.kit.contracts.feedback import (
    NetPromoterScore,
    OptionCount,
    QuestionKind,
    QuestionResults,
    SurveyKpis,
    SurveyQuestion,
)

PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6
SCALE = range(1, 6)
NPS_CATEGORIES = ("promoters", "passives", "detractors")


@dataclass(frozen=True)
class Answered:
    """One person's answer to one question."""

    person: UUID
    score: int | None = None
    choices: tuple[int, ...] = ()
    text: str | None = None


def nps_category(score: int) -> str:
    if score >= PROMOTER_FROM:
        return "promoters"
    return "detractors" if score <= DETRACTOR_UP_TO else "passives"


def question_results(
    index: int, question: SurveyQuestion, answers: list[Answered], texts_allowed: bool
) -> QuestionResults:
    """One question's results; `texts_allowed`: the program lets its admins read free text."""
    answered = len({answer.person for answer in answers})
    results = QuestionResults(
        question=index,
        kind=question.kind,
        prompt=question.prompt,
        answered=None,
        suppressed=True,
        average=None,
        options=[],
        nps=None,
        texts=None,
        texts_hidden=question.kind is QuestionKind.TEXT and not texts_allowed,
    )
    if answered < MINIMUM_GROUP:
        return results
    update: dict[str, object] = {"answered": answered, "suppressed": False}
    if question.kind is QuestionKind.SCALE:
        scores = [(answer.score, answer.person) for answer in answers if answer.score is not None]
        update["options"] = _options(scores, SCALE, partitioned=True)
        update["average"] = round(sum(score for score, _ in scores) / len(scores), 2)
    elif question.kind is QuestionKind.NPS:
        update["nps"] = net_promoter_score(
            (answer.score, answer.person) for answer in answers if answer.score is not None
        )
    elif question.kind is QuestionKind.SINGLE_CHOICE:
        picked = [(choice, answer.person) for answer in answers for choice in answer.choices]
        update["options"] = _options(picked, range(len(question.choices)), partitioned=True)
    elif question.kind is QuestionKind.MULTIPLE_CHOICE:
        picked = [(choice, answer.person) for answer in answers for choice in answer.choices]
        update["options"] = _options(picked, range(len(question.choices)), partitioned=False)
    elif texts_allowed:
        # Sorted: the order answers came in could tell who wrote which.
        update["texts"] = sorted(answer.text for answer in answers if answer.text is not None)
    return results.model_copy(update=update)


def _options(
    picked: list[tuple[int, UUID]], options: range, *, partitioned: bool
) -> list[OptionCount]:
    """Each option's people; options that add up to the question's total (one pick each) are
    a partition, so that no option is recovered as the total minus those shown."""
    people = People.of(picked)
    hidden = _hidden(people, [list(options)] if partitioned else [])
    return [
        OptionCount(
            option=option,
            suppressed=option in hidden,
            people=None if option in hidden else people.sizes.get(option, 0),
        )
        for option in options
    ]


def _hidden(people: People, partitions: list[list[Hashable]]) -> set[Hashable]:
    sizes = {key: size for key, size in people.sizes.items() if key != TOTAL}
    return suppressed(sizes, people.of_small_groups, partitions)


def net_promoter_score(scores: Iterable[tuple[int, UUID]]) -> NetPromoterScore:
    """Over every answer given (a person answering two surveys counts twice); nothing when
    fewer than the minimum of people gave them."""
    answers = [(nps_category(score), person) for score, person in scores]
    people = People.of(answers)
    if people.sizes[TOTAL] < MINIMUM_GROUP:
        return NetPromoterScore(score=None, promoters=None, passives=None, detractors=None)
    hidden = _hidden(people, [list(NPS_CATEGORIES)])
    counts = {category: sum(1 for c, _ in answers if c == category) for category in NPS_CATEGORIES}
    shown = {category: None if category in hidden else counts[category] for category in counts}
    score = (counts["promoters"] - counts["detractors"]) / len(answers) * 100
    return NetPromoterScore(score=None if hidden else round(score, 1), **shown)


def survey_kpis(
    surveys_sent: int, recipients: int, responses: int, nps_answers: list[tuple[int, UUID]]
) -> SurveyKpis:
    """The program's surveys for its dashboard; the response rate only over enough recipients."""
    enough = recipients >= MINIMUM_GROUP
    nps_people = len({person for _, person in nps_answers})
    return SurveyKpis(
        surveys_sent=surveys_sent,
        nps=net_promoter_score(nps_answers),
        nps_responses=len(nps_answers) if nps_people >= MINIMUM_GROUP else None,
        recipients=recipients if enough else None,
        responses=responses if enough else None,
        response_rate=round(responses / recipients, 3) if enough else None,
    )
