"""Every read and write of kuaizhao's state: the one door to Redis.

``facade.Store`` is what the rest of the code holds; ``keys`` names every key,
``lua`` and ``scripts`` hold the server-side scripts, ``records`` the shapes of what is
stored. No module outside this package touches a Redis connection.
"""
