A# -*- coding: utf-8 -*-
from openai import OpenAI

client = OpenAI()
