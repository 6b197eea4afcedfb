"""The model's secret set: what it marks sensitive, less identifiers, plus the one-time codes it leaves unmarked."""

from gateway.cognito import model


def test_the_unmarked_secrets_are_found_by_member_across_the_operations():
    found = {(name, member.name) for name, member in model.input_members() if name in model.UNMARKED_SECRET_MEMBERS}

    assert {name for name, _ in found} == model.UNMARKED_SECRET_MEMBERS
    assert all(model.is_secret(model.shape(shape)) for _, shape in found)
    assert model.is_secret(model.operation("ConfirmSignUp").input_shape.members["ConfirmationCode"])


def test_marking_a_code_s_shape_secret_hides_no_other_member():
    """A shape is secret wherever it is used: a member named like a code but of a shared shape (a string type)
    would hide every member of that shape. Each unmarked secret's shape is used by such members only."""
    unmarked = {member.name for name, member in model.input_members() if name in model.UNMARKED_SECRET_MEMBERS}
    service = model.service_model()
    users = {
        (name, member.name)
        for shape_name in service.shape_names
        if (shape := service.shape_for(shape_name)).type_name == "structure"
        for name, member in shape.members.items()
        if member.name in unmarked
    }

    assert {name for name, _ in users} <= model.UNMARKED_SECRET_MEMBERS


def test_identifiers_the_model_marks_sensitive_are_not_secrets():
    members = model.operation("ConfirmSignUp").input_shape.members

    assert not model.is_secret(members["Username"]) and not model.is_secret(members["ClientId"])
    assert model.is_secret(members["SecretHash"]) and model.is_secret(members["Session"])
