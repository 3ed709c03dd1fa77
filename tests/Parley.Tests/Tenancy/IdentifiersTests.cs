using Parley.Auth;
using Parley.Common;

namespace Parley.Tests.Tenancy;

public sealed class IdentifiersTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("Z")]
    [InlineData("7")]
    [InlineData("general")]
    [InlineData("acme-corp")]
    [InlineData("room_1")]
    [InlineData("v1.2")]
    [InlineData("team:eng")]
    [InlineData("a.b.c")]
    [InlineData("ends-with-")]
    [InlineData("ends.")]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e")]
    public void Ascii_letters_digits_and_the_four_punctuation_marks_are_valid(string value)
    {
        Assert.True(Identifiers.IsValid(value));
    }

    [Fact]
    public void Sixty_four_characters_are_valid_and_sixty_five_are_not()
    {
        Assert.True(Identifiers.IsValid(new string('a', 64)));
        Assert.False(Identifiers.IsValid(new string('a', 65)));
        Assert.Equal(64, Identifiers.MaxLength);
    }

    [Fact]
    public void The_empty_string_is_not_valid()
    {
        Assert.False(Identifiers.IsValid(""));
        Assert.False(Identifiers.IsValid(ReadOnlySpan<char>.Empty));
    }

    [Theory]
    [InlineData("_room")]
    [InlineData("-room")]
    [InlineData(".room")]
    [InlineData(":room")]
    [InlineData(".")]
    public void The_first_character_must_be_a_letter_or_digit(string value)
    {
        Assert.False(Identifiers.IsValid(value));
    }

    [Theory]
    [InlineData("t/acme")]
    [InlineData("a\\b")]
    [InlineData("a b")]
    [InlineData("a*")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    [InlineData("a%2Fb")]
    [InlineData("a@b")]
    [InlineData("a+b")]
    [InlineData("a,b")]
    [InlineData("a;b")]
    [InlineData("a|b")]
    [InlineData("a\"b")]
    [InlineData("a'b")]
    [InlineData("a{b}")]
    [InlineData("a[0]")]
    [InlineData("a=b")]
    [InlineData("a~b")]
    [InlineData("a$b")]
    public void Separators_and_other_punctuation_are_not_valid(string value)
    {
        Assert.False(Identifiers.IsValid(value));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a..b")]
    [InlineData("a..")]
    [InlineData("a...b")]
    [InlineData("a/../b")]
    public void A_double_dot_is_not_valid_anywhere(string value)
    {
        Assert.False(Identifiers.IsValid(value));
    }

    [Theory]
    [InlineData("\u0430cme")] // Cyrillic a
    [InlineData("acm\u0435")] // Cyrillic e
    [InlineData("\uff41cme")] // fullwidth a
    [InlineData("caf\u00e9")] // precomposed é
    [InlineData("cafe\u0301")] // e and a combining acute accent
    [InlineData("a\u200bb")] // zero-width space
    [InlineData("a\u00a0b")] // no-break space
    [InlineData("\u0661\u0662")] // Arabic-Indic digits
    [InlineData("a\u2024b")] // one dot leader, looks like '.'
    [InlineData("a\u2215b")] // division slash, looks like '/'
    [InlineData("\U0001D41Acme")] // mathematical bold a
    [InlineData("K\u212A")] // Kelvin sign, folds to K
    public void Unicode_look_alikes_are_not_valid(string value)
    {
        Assert.False(Identifiers.IsValid(value));
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\tb")]
    [InlineData("a\u001bb")]
    [InlineData("a\u007fb")]
    [InlineData("a\u0085b")]
    [InlineData("room\n")]
    public void Control_characters_are_not_valid(string value)
    {
        Assert.False(Identifiers.IsValid(value));
    }

    [Theory]
    [InlineData("alice", true, true, false)]
    [InlineData("akira", true, true, false)]
    [InlineData("ak_1", true, true, false)]
    [InlineData("jak-1", true, true, false)]
    [InlineData("ak-3f1363d7996b", true, false, true)]
    [InlineData("AK-3f1363d7996b", true, false, false)]
    [InlineData("Ak-", true, false, false)]
    [InlineData("ak-", true, false, true)]
    [InlineData("ak-/x", false, false, false)]
    public void The_api_keys_namespace_is_closed_to_users_in_any_letter_case(string value, bool identifier, bool user, bool apiKey)
    {
        Assert.Equal(identifier, Identifiers.IsValid(value));
        Assert.Equal(user, Identifiers.IsValidUser(value));
        Assert.Equal(apiKey, Identifiers.IsApiKeyId(value));
    }

    [Theory]
    [InlineData("acme", true)]
    [InlineData("acme-eu.1", true)]
    [InlineData("acme:eu", false)]
    [InlineData("a:", false)]
    public void New_tenant_ids_have_no_colon_on_the_nodes_and_in_the_auth_service_alike(string value, bool valid)
    {
        Assert.Equal(valid, Identifiers.IsValidNewTenant(value));
        Assert.True(Identifiers.IsValid(value), "a tenant created earlier with a colon still verifies");
    }

    [Fact]
    public void The_node_and_the_auth_service_share_one_definition_of_the_identifier_rules()
    {
        var definitions = new[] { typeof(Parley.Node.Hosting.ParleyNode).Assembly, typeof(Parley.Auth.AuthServiceOptions).Assembly, typeof(Identifiers).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.Name == nameof(Identifiers))
            .Select(t => t.FullName);
        Assert.Equal(["Parley.Common.Identifiers"], definitions);
    }
}
