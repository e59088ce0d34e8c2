"""What the web pages of every feature share: the DSFR page base and the rate limiter.

Sits beside ``storage`` under the feature packages; imports none of them.
"""
