from openai import 
        OpenAI

openai_client = OpenAI(
        )
