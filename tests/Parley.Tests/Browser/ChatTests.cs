using Parley.Tests.Browser.Support;
using Parley.Tests.Support;
using Parley.Tests.Web;
using static Microsoft.Playwright.Assertions;

namespace Parley.Tests.Browser;

/// <summary>
/// The web app as its users see it: the app the build put in wwwroot/, served by a real embedded
/// node with the development sign-in, driven in Chromium. Every wait is Playwright's bounded wait.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatTests(BrowserFixture browser)
{
    [Fact]
    public async Task Two_users_of_a_tenant_chat_in_real_time_and_each_sees_the_other_typing_and_present()
    {
        await using var node = await DevNode.StartAsync();
        await using var alice = await ChatUser.SignInAsync(await browser.NewContextAsync(), node, "acme", "alice");
        await using var bob = await ChatUser.SignInAsync(await browser.NewContextAsync(), node, "acme", "bob");
        await alice.JoinAsync("general");
        await bob.JoinAsync("general");

        await Expect(alice.Presence).ToHaveTextAsync(["alice (you)", "bob"]);
        await Expect(bob.Presence).ToHaveTextAsync(["alice", "bob (you)"]);

        await alice.SendAsync("Hello Bob, the build is green.");
        await Expect(bob.Messages).ToHaveCountAsync(1);
        await Expect(bob.Messages.First).ToContainTextAsync("Hello Bob, the build is green.");
        await Expect(bob.Messages.First).ToHaveAttributeAsync("data-from", "alice");

        // Bob types without sending: Alice sees him typing; the indicator goes once his message lands.
        await bob.Page.GetByTestId("composer-input").PressSequentiallyAsync("Great, ship");
        await Expect(alice.Typing).ToHaveTextAsync("bob is typing…");
        await bob.Page.GetByTestId("composer-input").PressSequentiallyAsync(" it!");
        await bob.Page.GetByTestId("composer-input").PressAsync("Enter");
        await Expect(alice.Messages).ToHaveCountAsync(2);
        await Expect(alice.Messages.Nth(1)).ToContainTextAsync("Great, ship it!");
        await Expect(alice.Typing).ToHaveTextAsync("");
        await Screenshots.SaveScreenshotAsync(alice.Page, "chat");

        Assert.Equal(await alice.ShownAsync(), await bob.ShownAsync());
        Assert.Equal([1L, 2L], (await alice.ShownAsync()).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_user_of_another_tenant_in_a_room_of_the_same_name_sees_nothing_of_the_first_tenant()
    {
        await using var node = await DevNode.StartAsync();
        await using var alice = await ChatUser.SignInAsync(await browser.NewContextAsync(), node, "acme", "alice");
        await alice.JoinAsync("general");
        await alice.SendAsync("acme's quarterly numbers");

        await using var eve = await ChatUser.SignInAsync(await browser.NewContextAsync(), node, "globex", "eve");
        await eve.JoinAsync("general");
        await Expect(eve.Presence).ToHaveTextAsync(["eve (you)"]);
        await eve.SendAsync("anyone from acme here?");
        await alice.SendAsync("acme only, after eve spoke");

        // Alice's last message is committed after Eve's: had Eve's crossed over, it would be here.
        await Expect(eve.Messages).ToHaveCountAsync(1);
        await Expect(eve.Messages.First).ToContainTextAsync("anyone from acme here?");
        await Expect(alice.Messages).ToHaveCountAsync(2);
        await Expect(alice.Presence).ToHaveTextAsync(["alice (you)"]);
        Assert.All(await alice.ShownAsync(), m => Assert.Equal("alice", m.From));
        Assert.Equal([1L], (await eve.ShownAsync()).Select(m => m.Seq));
        await Screenshots.SaveScreenshotAsync(eve.Page, "tenant-isolation");
    }

    [Fact]
    public async Task After_a_reload_every_earlier_message_is_shown_once_and_in_order()
    {
        await using var node = await DevNode.StartAsync();
        await using var alice = await ChatUser.SignInAsync(await browser.NewContextAsync(), node, "acme", "alice");
        await using var bob = await ChatUser.SignInAsync(await browser.NewContextAsync(), node, "acme", "bob");
        await alice.JoinAsync("general");
        await bob.JoinAsync("general");
        for (var i = 1; i <= 4; i++)
        {
            await alice.SendAsync($"alice {i}");
            await bob.SendAsync($"bob {i}");
        }

        await Expect(alice.Messages).ToHaveCountAsync(8);
        var before = await alice.ShownAsync();

        await alice.Page.ReloadAsync();
        await Expect(alice.Page.Locator("[data-testid=room-entry][data-room=general]")).ToHaveAttributeAsync("aria-current", "true");
        await Expect(alice.Messages).ToHaveCountAsync(8);
        await Screenshots.SaveScreenshotAsync(alice.Page, "reload");

        var after = await alice.ShownAsync();
        Assert.Equal(before, after);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), after.Select(m => m.Seq));
        Assert.Equal(["alice 1", "bob 1", "alice 2", "bob 2", "alice 3", "bob 3", "alice 4", "bob 4"], after.Select(m => m.Text));
    }
}
