"""The ConnectWise document portal: Django project package."""
