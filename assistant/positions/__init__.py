"""The remissammanställning: for every proposal, which respondent supports, opposes or conditions it, with quotes."""
