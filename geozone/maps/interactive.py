def interactive(*a, **k): raise NotImplementedError
def save_html(*a, **k): raise NotImplementedError
