"""The course's committed fixtures (events, schemas, state machines, patterns, rules).

This folder stays at the top of the repository and ships inside the wheel as the
package ``course_lib.data``; read it with :func:`course_lib.events.data_dir`.
"""
