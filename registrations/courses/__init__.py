"""Courses: a series taken whole (events.Series.is_course). One enrolment holds a place in the
course and a registration for each of its sessions; completion follows attendance."""
