from django import forms

from alerts import targets
from alerts.models import Frequency, Target


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)
    frequency = forms.ChoiceField(
        label="How often", choices=Frequency.choices, initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )  # fmt: skip
    # What is followed comes from the page the reader was on.
    target = forms.ChoiceField(choices=Target.choices, widget=forms.HiddenInput)
    value = forms.CharField(max_length=1000, widget=forms.HiddenInput)

    def clean_email(self):
        # One address, one set of subscriptions, however it is typed.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if "target" in data and "value" in data:
            value = targets.normalized(data["target"], data["value"])
            if value is None:
                raise forms.ValidationError("There is nothing here to follow.")
            data["value"] = value
        return data
