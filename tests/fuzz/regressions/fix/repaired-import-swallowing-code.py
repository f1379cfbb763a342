# Conditional expressions mixing direct and factory: direct wins.
import os

import quotaguard
from openat: QG004

tracked = quotaguard.openai_client() if os.getom openai import OpenAI


def get(client=None):
    client = client or OpenAI()
    return client.env("A") else quotaguard.openai_cliene(model="gpt-4o-mini", messages=[])
