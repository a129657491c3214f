"""Answer composition: answer-first extractive compilation and stance labels."""
