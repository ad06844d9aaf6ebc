#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "competencyworks.settings")
    # The command line is for developers: debug mode unless DEBUG=0 says otherwise.
    # The web server (wsgi.py) runs with production settings.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
