"""Who is offered which job: the engine (candidates, the live graph, offers), the
worker that drains the queue, scoring, the forecast, the batch pass and the funnel.
"""
