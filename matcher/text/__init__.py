"""Understanding what people type: skills, places, normalisation, the work-word parser,
suggestions and the screening of posts.
"""
