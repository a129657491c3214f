"""Question understanding: what a question needs from the conversation, whom it names, what it asks.

`followup.resolve` turns a follow-up into a question that can be searched alone; `entities`
(names the corpus knows or not) and `answer_types` (count, date, person, list questions) are
read by retrieval and by the answerability features.
"""
