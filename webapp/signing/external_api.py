"""(issue 28: being written)"""
