"""Login form (Flask-WTF gives CSRF protection)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Имя пользователя", validators=[DataRequired("Введите имя пользователя"), Length(max=64)])
    password = PasswordField("Пароль", validators=[DataRequired("Введите пароль"), Length(max=256)])
