from django import forms

from .models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "webhook"]
        help_texts = {
            "email": "发送到账号登记的电子邮箱",
            "sms": "发送到账号登记的手机号",
            "webhook": "在企业微信/钉钉工作群中由机器人推送并@您（按手机号）",
        }
