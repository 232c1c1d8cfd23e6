"""The profiles service: the directory of people, skills, availability, programs, enrollments."""
