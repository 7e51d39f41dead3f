"""Choosing in a searchable field (jobbro/pickers.py) in the browser tests, with the keyboard as a user would."""


def pick(page, field_id, text, option_text):
    """Type `text` into the field, move down the list of matches with the arrow key to the first option holding
    `option_text`, and choose it with Enter. Returns the chosen id the field will send."""
    field = page.locator(f"#{field_id}")
    field.fill(text)
    options = page.locator(f"#{field_id}-options [role=option]")
    options.filter(has_text=option_text).first.wait_for()
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    wanted = next(i for i, label in enumerate(labels) if option_text in label)
    for _ in range(wanted + 1):
        field.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == f"{field_id}-option-{wanted}"
    field.press("Enter")
    assert page.locator(f"#{field_id}-options").is_hidden()
    return page.locator(f"#{field_id}-value").input_value()
