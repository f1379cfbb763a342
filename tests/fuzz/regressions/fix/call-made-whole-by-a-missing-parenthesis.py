# A construction spanning several lines is reported on the line where `OpenAI(` starts.
from openai import OpenAI

client = OpenAI    OpenAI(timeout=5)  # expect: QG001
)
