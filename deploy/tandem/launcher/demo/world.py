"""The world the demo organization is drawn from: skills, interests, departments,
cultures, locations, and the chances and sizes that shape the organization."""

from dataclasses import dataclass
from datetime import time

from tandem.launcher.demo.model import Skill, Window

AI_SKILLS = ("Generative AI", "Prompt engineering")
LEADERSHIP_SKILLS = (
    "Giving feedback",
    "Coaching",
    "Stakeholder management",
    "Hiring and interviewing",
    "Delegation",
    "Conflict resolution",
    "Strategic thinking",
    "Change management",
    "Public speaking",
)
EARLY_CAREER_SKILLS = ("Public speaking", "Business writing", "Time management", "Storytelling")
EXECUTIVE_WANTS = (
    *AI_SKILLS,
    "Strategic thinking",
    "Change management",
    "Delegation",
    "Financial modelling",
    "Storytelling",
    "Coaching",
)

SKILLS = (
    Skill("Python", "Engineering", ("py",)),
    Skill("TypeScript", "Engineering", ("ts",)),
    Skill("Go", "Engineering", ("golang",)),
    Skill("React", "Engineering", ("react.js",)),
    Skill("Kubernetes", "Engineering", ("k8s",)),
    Skill("Terraform", "Engineering"),
    Skill("AWS", "Engineering", ("Amazon Web Services",)),
    Skill("System design", "Engineering"),
    Skill("Code review", "Engineering"),
    Skill("Observability", "Engineering"),
    Skill("Continuous delivery", "Engineering", ("CI/CD",)),
    Skill("Application security", "Engineering", ("AppSec",)),
    Skill("SQL", "Data & AI"),
    Skill("Data analysis", "Data & AI"),
    Skill("Statistics", "Data & AI"),
    Skill("Machine learning", "Data & AI", ("ML",)),
    Skill("Data visualisation", "Data & AI", ("data visualization", "dataviz")),
    Skill("Generative AI", "Data & AI", ("GenAI",)),
    Skill("Prompt engineering", "Data & AI"),
    Skill("Product discovery", "Product"),
    Skill("Roadmapping", "Product"),
    Skill("User research", "Product"),
    Skill("Experimentation", "Product", ("A/B testing",)),
    Skill("Product analytics", "Product"),
    Skill("Figma", "Design"),
    Skill("Interaction design", "Design"),
    Skill("Design systems", "Design"),
    Skill("Accessibility", "Design", ("a11y",)),
    Skill("Prototyping", "Design"),
    Skill("Negotiation", "Sales"),
    Skill("Sales prospecting", "Sales", ("prospecting",)),
    Skill("Account management", "Sales"),
    Skill("Solution selling", "Sales"),
    Skill("Content marketing", "Marketing"),
    Skill("SEO", "Marketing", ("search engine optimisation",)),
    Skill("Brand strategy", "Marketing"),
    Skill("Copywriting", "Marketing"),
    Skill("Customer onboarding", "Customer success"),
    Skill("Handling escalations", "Customer success"),
    Skill("Financial modelling", "Finance", ("financial modeling",)),
    Skill("Budgeting", "Finance"),
    Skill("Forecasting", "Finance"),
    Skill("Excel", "Finance", ("Microsoft Excel", "spreadsheets")),
    Skill("Project management", "Operations"),
    Skill("Process improvement", "Operations", ("Lean",)),
    Skill("Vendor management", "Operations"),
    Skill("Agile", "Operations", ("Scrum",)),
    Skill("Giving feedback", "Leadership"),
    Skill("Coaching", "Leadership"),
    Skill("Stakeholder management", "Leadership"),
    Skill("Hiring and interviewing", "Leadership", ("interviewing",)),
    Skill("Delegation", "Leadership"),
    Skill("Conflict resolution", "Leadership"),
    Skill("Strategic thinking", "Leadership"),
    Skill("Change management", "Leadership"),
    Skill("Public speaking", "Communication"),
    Skill("Business writing", "Communication"),
    Skill("Facilitation", "Communication", ("workshop facilitation",)),
    Skill("Storytelling", "Communication"),
    Skill("Time management", "Communication"),
)

INTERESTS = (
    "running",
    "climbing",
    "cycling",
    "yoga",
    "board games",
    "chess",
    "photography",
    "cooking",
    "gardening",
    "music",
    "books",
    "podcasts",
    "travel",
    "learning languages",
    "open source",
    "sustainability",
    "volunteering",
    "parenting",
    "diversity and inclusion",
    "startups",
)


@dataclass(frozen=True)
class Department:
    name: str
    share: float
    head_title: str
    head_level: int
    director_title: str
    manager_title: str
    ladder: tuple[tuple[str, ...], ...]  # individual contributors' titles, levels 1 to 5
    skills: tuple[str, ...]
    neighbours: tuple[str, ...]


EXECUTIVE = Department(
    name="Executive",
    share=0,
    head_title="Chief Executive Officer",
    head_level=9,
    director_title="",
    manager_title="",
    ladder=(),
    skills=("Strategic thinking", "Public speaking", "Negotiation", "Change management"),
    neighbours=(),
)
DEPARTMENTS = (
    Department(
        name="Engineering",
        share=0.32,
        head_title="VP of Engineering",
        head_level=8,
        director_title="Director of Engineering",
        manager_title="Engineering Manager",
        ladder=(
            ("Junior Software Engineer", "Graduate Software Engineer"),
            ("Software Engineer", "Backend Engineer", "Frontend Engineer", "QA Engineer"),
            ("Senior Software Engineer", "Senior Backend Engineer", "Site Reliability Engineer"),
            ("Staff Engineer", "Tech Lead", "Senior Site Reliability Engineer"),
            ("Principal Engineer",),
        ),
        skills=(
            "Python",
            "TypeScript",
            "Go",
            "React",
            "Kubernetes",
            "Terraform",
            "AWS",
            "System design",
            "Code review",
            "Observability",
            "Continuous delivery",
            "Application security",
            "SQL",
            "Agile",
            *AI_SKILLS,
        ),
        neighbours=("Product", "Data"),
    ),
    Department(
        name="Product",
        share=0.07,
        head_title="VP of Product",
        head_level=8,
        director_title="Director of Product",
        manager_title="Group Product Manager",
        ladder=(
            ("Associate Product Manager",),
            ("Product Manager", "Product Analyst"),
            ("Senior Product Manager",),
            ("Lead Product Manager",),
            ("Principal Product Manager",),
        ),
        skills=(
            "Product discovery",
            "Roadmapping",
            "User research",
            "Experimentation",
            "Product analytics",
            "SQL",
            "Stakeholder management",
            "Storytelling",
            "Agile",
            "Generative AI",
        ),
        neighbours=("Engineering", "Design", "Data"),
    ),
    Department(
        name="Design",
        share=0.05,
        head_title="Head of Design",
        head_level=7,
        director_title="Director of Design",
        manager_title="Design Manager",
        ladder=(
            ("Junior Product Designer",),
            ("Product Designer", "UX Researcher", "Content Designer"),
            ("Senior Product Designer", "Senior UX Researcher"),
            ("Lead Product Designer",),
            ("Principal Designer",),
        ),
        skills=(
            "Figma",
            "Interaction design",
            "Design systems",
            "Accessibility",
            "Prototyping",
            "User research",
            "Facilitation",
            "Storytelling",
        ),
        neighbours=("Product", "Engineering"),
    ),
    Department(
        name="Data",
        share=0.06,
        head_title="Head of Data",
        head_level=7,
        director_title="Director of Data",
        manager_title="Data Science Manager",
        ladder=(
            ("Junior Data Analyst",),
            ("Data Analyst", "Data Engineer"),
            ("Senior Data Scientist", "Senior Data Engineer", "Analytics Engineer"),
            ("Staff Data Scientist", "Lead Data Engineer"),
            ("Principal Data Scientist",),
        ),
        skills=(
            "SQL",
            "Python",
            "Data analysis",
            "Statistics",
            "Machine learning",
            "Data visualisation",
            "Experimentation",
            *AI_SKILLS,
        ),
        neighbours=("Engineering", "Product"),
    ),
    Department(
        name="Sales",
        share=0.15,
        head_title="VP of Sales",
        head_level=8,
        director_title="Regional Sales Director",
        manager_title="Sales Manager",
        ladder=(
            ("Sales Development Representative",),
            ("Account Executive", "Business Development Representative"),
            ("Senior Account Executive", "Solutions Consultant"),
            ("Enterprise Account Executive", "Senior Solutions Consultant"),
            ("Strategic Account Director",),
        ),
        skills=(
            "Negotiation",
            "Sales prospecting",
            "Account management",
            "Solution selling",
            "Public speaking",
            "Storytelling",
            "Stakeholder management",
            "Excel",
        ),
        neighbours=("Marketing", "Customer Success"),
    ),
    Department(
        name="Marketing",
        share=0.07,
        head_title="Head of Marketing",
        head_level=7,
        director_title="Director of Marketing",
        manager_title="Marketing Manager",
        ladder=(
            ("Marketing Coordinator",),
            ("Marketing Specialist", "Content Marketer"),
            ("Growth Marketer", "Senior Content Strategist"),
            ("Senior Product Marketer", "Lead Growth Marketer"),
            ("Principal Brand Strategist",),
        ),
        skills=(
            "Content marketing",
            "SEO",
            "Brand strategy",
            "Copywriting",
            "Data analysis",
            "Storytelling",
            "Public speaking",
            "Generative AI",
        ),
        neighbours=("Sales", "Product", "Data"),
    ),
    Department(
        name="Customer Success",
        share=0.09,
        head_title="Head of Customer Success",
        head_level=7,
        director_title="Director of Customer Success",
        manager_title="Customer Success Team Lead",
        ladder=(
            ("Customer Support Specialist",),
            ("Customer Success Associate", "Support Engineer"),
            ("Customer Success Manager", "Senior Support Engineer"),
            ("Senior Customer Success Manager",),
            ("Lead Customer Success Manager",),
        ),
        skills=(
            "Customer onboarding",
            "Handling escalations",
            "Account management",
            "Negotiation",
            "Conflict resolution",
            "Business writing",
            "SQL",
        ),
        neighbours=("Sales", "Product"),
    ),
    Department(
        name="People",
        share=0.05,
        head_title="Chief People Officer",
        head_level=8,
        director_title="Director of People",
        manager_title="Talent Acquisition Manager",
        ladder=(
            ("People Coordinator",),
            ("Recruiter", "People Operations Specialist"),
            ("Senior Recruiter", "People Partner"),
            ("Senior People Partner", "Learning and Development Lead"),
            ("Principal People Partner",),
        ),
        skills=(
            "Hiring and interviewing",
            "Coaching",
            "Giving feedback",
            "Conflict resolution",
            "Change management",
            "Facilitation",
            "Public speaking",
            "Business writing",
        ),
        neighbours=("Finance", "Operations"),
    ),
    Department(
        name="Finance",
        share=0.05,
        head_title="Chief Financial Officer",
        head_level=8,
        director_title="Director of Finance",
        manager_title="Finance Manager",
        ladder=(
            ("Accounts Assistant",),
            ("Financial Analyst", "Accountant"),
            ("Senior Financial Analyst", "Senior Accountant"),
            ("Finance Business Partner",),
            ("Group Financial Controller",),
        ),
        skills=(
            "Financial modelling",
            "Budgeting",
            "Forecasting",
            "Excel",
            "SQL",
            "Data analysis",
            "Stakeholder management",
        ),
        neighbours=("Operations", "Data"),
    ),
    Department(
        name="Operations",
        share=0.09,
        head_title="Chief Operating Officer",
        head_level=8,
        director_title="Director of Operations",
        manager_title="Operations Manager",
        ladder=(
            ("Operations Coordinator", "IT Support Specialist"),
            ("Operations Analyst", "IT Support Engineer", "Office Manager"),
            ("Senior Operations Analyst", "Procurement Specialist"),
            ("Business Operations Lead",),
            ("Principal Program Manager",),
        ),
        skills=(
            "Project management",
            "Process improvement",
            "Vendor management",
            "Excel",
            "Agile",
            "Stakeholder management",
            "Negotiation",
            "Time management",
        ),
        neighbours=("Finance", "People"),
    ),
)
DEPARTMENTS_BY_NAME = {department.name: department for department in DEPARTMENTS}
PRODUCT_ORGANIZATION = ("Product", "Design")


@dataclass(frozen=True)
class Culture:
    language: str | None  # besides English
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


CULTURES = {
    "dutch": Culture(
        "nl",
        ("Bram", "Sanne", "Daan", "Femke", "Joost", "Lotte", "Pieter", "Anouk", "Ruben", "Eva"),
        ("de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Bos"),
    ),
    "anglo": Culture(
        None,
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Emily", "Jack", "Sophie", "Grace", "Liam"),
        ("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Clarke"),
    ),
    "brazilian": Culture(
        "pt",
        ("João", "Ana", "Lucas", "Beatriz", "Gabriel", "Mariana", "Rafael", "Juliana", "Thiago"),
        ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira", "Rocha"),
    ),
    "indian": Culture(
        "hi",
        ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya", "Arjun", "Neha", "Isha", "Rahul"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh", "Menon", "Rao", "Joshi"),
    ),
    "chinese": Culture(
        "zh",
        ("Wei", "Mei", "Jun", "Xin", "Hao", "Ling", "Yi", "Fang", "Jie", "Ming"),
        ("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Lim", "Tan", "Ng", "Goh"),
    ),
    "yoruba": Culture(
        "yo",
        ("Adebayo", "Folake", "Tunde", "Yetunde", "Kunle", "Bisi", "Segun", "Damilola", "Femi"),
        ("Adeyemi", "Balogun", "Ogunleye", "Afolabi", "Oladipo", "Adewale", "Akinola", "Ayodele"),
    ),
    "spanish": Culture(
        "es",
        ("Sofía", "Mateo", "Valentina", "Diego", "Lucía", "Alejandro", "Carmen", "Javier", "Elena"),
        ("García", "Martínez", "López", "Hernández", "Rodríguez", "Ruiz", "Torres", "Navarro"),
    ),
    "arabic": Culture(
        "ar",
        ("Omar", "Layla", "Youssef", "Nour", "Karim", "Amira", "Hassan", "Salma", "Tariq", "Rania"),
        ("Haddad", "Khoury", "Mansour", "Nasser", "Saleh", "Aziz", "Hamdan", "Rahman", "Najjar"),
    ),
    "japanese": Culture(
        "ja",
        ("Haruto", "Yui", "Ren", "Aoi", "Sota", "Hina", "Kenji", "Sakura", "Takumi", "Mio"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
    ),
    "german": Culture(
        "de",
        ("Lukas", "Hannah", "Jonas", "Lea", "Felix", "Lena", "Paul", "Marie", "Johanna", "Tim"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"),
    ),
}
CULTURE_NAMES = tuple(CULTURES)


@dataclass(frozen=True)
class Location:
    city: str
    time_zone: str
    language: str | None  # what locals speak besides English
    home_cultures: tuple[str, ...]
    weight: int


HEADQUARTERS = Location("Amsterdam", "Europe/Amsterdam", "nl", ("dutch",), 30)
LOCATIONS = (
    HEADQUARTERS,
    Location("London", "Europe/London", None, ("anglo",), 15),
    Location("New York", "America/New_York", None, ("anglo", "spanish"), 15),
    Location("São Paulo", "America/Sao_Paulo", "pt", ("brazilian",), 10),
    Location("Bengaluru", "Asia/Kolkata", "hi", ("indian",), 15),
    Location("Singapore", "Asia/Singapore", "zh", ("chinese",), 8),
    Location("Sydney", "Australia/Sydney", None, ("anglo",), 7),
)
LOCATIONS_BY_CITY = {location.city: location for location in LOCATIONS}

# Chances and sizes that shape the organization.
LOCAL_NAME_SHARE = 0.7
LEARNED_LOCAL_LANGUAGE_SHARE = 0.3
SAME_LOCATION_AS_MANAGER_SHARE = 0.6
SMALLEST_DEPARTMENT = 3
TEAM_SIZE = 8
MANAGERS_PER_DIRECTOR = 4
IC_LEVEL_WEIGHTS = (10, 25, 30, 22, 13)
WORKDAY_START_MINUTES = 8 * 60
WORKDAY_END_MINUTES = 18 * 60
SLOT_MINUTES = 15
LONG_SERVING_DAYS = 365
TRADITIONAL_MENTORS_PER_SIDE = 10
REVERSE_PAIRS = 10
CIRCLE_MEMBERS = 30
LEADERSHIP_HOURS = Window(3, time(15), time(17))
SKILL_SWAPPERS = 30
