def agreement_deck(*a, **k): raise NotImplementedError
