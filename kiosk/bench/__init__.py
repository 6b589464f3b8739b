"""Tools that measure the service (``kuaizhao bench``): parse, sim, latency, screening,
load and soak. Never imported by what serves requests.
"""
