"""{% fragment key... [versioned] %}…{% endfragment %}: markup rendered once per key.

A card's key is everything the card shows (see Post.card_key), so the same post renders
once for the list, its tag pages and the home page, and any change to what it shows is a
new key. `versioned` adds the content version, for markup built from data the key does not
name (a filter form's choices). Never for anything that depends on who is asking.
"""

from django import template

from competencyworks.pagecache.fragments import remembered

register = template.Library()


@register.tag
def fragment(parser, token):
    bits = token.split_contents()[1:]
    versioned = bits[-1:] == ["versioned"]
    if versioned:
        bits = bits[:-1]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, [parser.compile_filter(bit) for bit in bits], versioned)


class FragmentNode(template.Node):
    def __init__(self, nodelist, key_parts, versioned):
        self.nodelist, self.key_parts, self.versioned = nodelist, key_parts, versioned

    def render(self, context):
        parts = [part.resolve(context) for part in self.key_parts]
        if any(part is None or part == "" for part in parts):
            # A part that did not resolve would let different content share a key.
            return self.nodelist.render(context)
        # The node itself is part of the key: two fragments with the same parts differ.
        return remembered((id(self), *parts), lambda: self.nodelist.render(context), self.versioned)
