def answer(llm):
    # A parameter nothing in the tree passes: found, origin unresolved (QG007).
    return llm.responses.create(model="gpt-4o", input="hi")


class Bucket:
    def list(self):
        return []


class Storage:
    files = Bucket()


def stored(storage=Storage()):
    # A generic resource name on something that is not an OpenAI client: a candidate, rightly unreported.
    return storage.files.list()
