//! Chat against the loopback test server: turns grow a tree, regenerate and
//! edit never overwrite, stop keeps the partial answer, the tree survives a
//! restart, and exports import back as the same tree.

use std::time::Duration;

use scriptorium::Studio;
use scriptorium::backend::Role;
use scriptorium::backend::registry::{BackendDraft, BackendKind, BackendSettings};
use scriptorium::chat::{
    ChatSettings, ConversationFormat, ConversationView, ExportScope, MessageStatus,
    NewConversation, Turn,
};
use scriptorium::generation::RunEvent;
use scriptorium::secrets::SecretsMode;
use scriptorium::template::VarValue;
use scriptorium_test_server::{Reply, TestServer};
use tokio::sync::mpsc::UnboundedReceiver;

const CHAT: &str = "POST /v1/chat/completions";

async fn studio(home: &std::path::Path, server: &TestServer) -> Studio {
    let studio = Studio::open_with(home, SecretsMode::FileOnly).unwrap();
    if studio.backends().list().await.unwrap().is_empty() {
        studio
            .backends()
            .add(
                BackendDraft {
                    name: "test".into(),
                    kind: BackendKind::Openai,
                    base_url: server.base_url(),
                    default_model: Some("test-model".into()),
                    settings: BackendSettings::default(),
                },
                None,
            )
            .await
            .unwrap();
    }
    studio
}

async fn finish(mut events: UnboundedReceiver<RunEvent>) -> String {
    let mut text = String::new();
    while let Some(event) = events.recv().await {
        match event {
            RunEvent::Event(scriptorium::backend::Event::Delta { text: more, .. }) => {
                text.push_str(&more)
            }
            RunEvent::Finished(_) => return text,
            RunEvent::Event(_) => {}
        }
    }
    panic!("the turn never finished")
}

async fn turn(studio: &Studio, conversation: i64, turn: Turn) -> i64 {
    let (started, events) = studio.chat().start(conversation, turn).await.unwrap();
    finish(events).await;
    started.assistant.id
}

fn texts(view: &ConversationView) -> Vec<(Role, String)> {
    view.branch
        .iter()
        .map(|id| {
            let m = view.messages.iter().find(|m| m.id == *id).unwrap();
            (m.role, m.content.clone())
        })
        .collect()
}

#[tokio::test]
async fn regenerate_and_edit_add_branches_and_never_overwrite() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = studio(home.path(), &server).await;
    let chat = studio.chat();
    let conversation = chat
        .create(NewConversation {
            persona: Some("chat.assistant".into()),
            language: Some("en".into()),
            values: [("user_name".to_owned(), VarValue::Text("Ada".into()))].into(),
            ..NewConversation::default()
        })
        .await
        .unwrap();
    assert!(
        conversation.settings.system_prompt.contains("Ada"),
        "the persona, filled in, sets the system prompt"
    );

    server.push(CHAT, Reply::chat_stream(&["One", "."]));
    let first = turn(
        &studio,
        conversation.id,
        Turn::Send {
            parent: None,
            text: "Hi".into(),
        },
    )
    .await;
    let view = chat.view(conversation.id).await.unwrap();
    assert_eq!(
        view.conversation.title, "Hi",
        "the first message names the chat"
    );
    assert_eq!(
        texts(&view),
        vec![(Role::User, "Hi".into()), (Role::Assistant, "One.".into())]
    );
    let sent = server.requests().last().unwrap().body["messages"].clone();
    assert_eq!(sent[0]["role"], "system");
    assert_eq!(sent[1]["content"], "Hi");
    assert_eq!(
        sent.as_array().unwrap().len(),
        2,
        "the empty answer is not sent"
    );

    server.push(CHAT, Reply::chat_stream(&["Two", "."]));
    let second = turn(
        &studio,
        conversation.id,
        Turn::Regenerate { message: first },
    )
    .await;
    let view = chat.view(conversation.id).await.unwrap();
    assert_eq!(view.messages.len(), 3, "a new sibling, the old answer kept");
    let generation = view
        .messages
        .iter()
        .find(|m| m.id == second)
        .unwrap()
        .generation_id
        .unwrap();
    assert_eq!(
        chat.message_for_generation(generation).await.unwrap(),
        Some((conversation.id, second)),
        "history links back to the answer"
    );
    assert_eq!(view.branch.last(), Some(&second));
    let old = view.messages.iter().find(|m| m.id == first).unwrap();
    assert_eq!(old.content, "One.");
    let user = view.branch[0];
    assert!(
        view.messages
            .iter()
            .find(|m| m.id == second)
            .unwrap()
            .generation_id
            .is_some()
    );

    server.push(CHAT, Reply::chat_stream(&["Three", "."]));
    turn(
        &studio,
        conversation.id,
        Turn::Edit {
            message: user,
            text: "Hello".into(),
        },
    )
    .await;
    let view = chat.view(conversation.id).await.unwrap();
    assert_eq!(view.messages.len(), 5);
    assert_eq!(
        texts(&view),
        vec![
            (Role::User, "Hello".into()),
            (Role::Assistant, "Three.".into())
        ]
    );
    assert_eq!(
        view.messages.iter().find(|m| m.id == user).unwrap().content,
        "Hi"
    );

    // Back to the first branch: its newest answer is shown.
    let view = chat.switch_to(user).await.unwrap();
    assert_eq!(
        texts(&view),
        vec![(Role::User, "Hi".into()), (Role::Assistant, "Two.".into())]
    );
    let view = chat.switch_to(first).await.unwrap();
    assert_eq!(texts(&view)[1].1, "One.");

    // Deleting the branch on screen moves the head to its sibling.
    let view = chat.delete_branch(first).await.unwrap();
    assert_eq!(view.messages.len(), 4);
    assert_eq!(view.branch.last(), Some(&second));
    let view = chat.delete_branch(user).await.unwrap();
    assert_eq!(
        texts(&view),
        vec![
            (Role::User, "Hello".into()),
            (Role::Assistant, "Three.".into())
        ]
    );

    // The whole tree is there after a restart.
    drop(chat);
    drop(studio);
    let studio = self::studio(home.path(), &server).await;
    let again = studio.chat().view(conversation.id).await.unwrap();
    assert_eq!(again.messages, view.messages);
    assert_eq!(again.branch, view.branch);
}

#[tokio::test]
async fn stop_keeps_the_partial_answer_marked() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = studio(home.path(), &server).await;
    let chat = studio.chat();
    let conversation = chat.create(NewConversation::default()).await.unwrap();
    let words: Vec<String> = (0..200).map(|i| format!("w{i} ")).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    server.push(
        CHAT,
        Reply::chat_stream(&words).paced(Duration::from_millis(20)),
    );
    let (started, mut events) = chat
        .start(
            conversation.id,
            Turn::Send {
                parent: None,
                text: "Go".into(),
            },
        )
        .await
        .unwrap();
    let mut seen = String::new();
    while seen.len() < 20 {
        if let Some(RunEvent::Event(scriptorium::backend::Event::Delta { text, .. })) =
            events.recv().await
        {
            seen.push_str(&text);
        }
    }
    assert!(chat.stop(started.assistant.id));
    finish(events).await;
    let view = chat.view(conversation.id).await.unwrap();
    let answer = view
        .messages
        .iter()
        .find(|m| m.id == started.assistant.id)
        .unwrap();
    assert_eq!(answer.status, MessageStatus::Cancelled);
    assert!(answer.content.starts_with("w0 w1"), "{}", answer.content);
    assert!(!answer.content.contains("w199"));
    assert!(!chat.stop(started.assistant.id), "nothing left to stop");
}

#[tokio::test]
async fn old_messages_are_left_out_beyond_the_window() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = studio(home.path(), &server).await;
    let chat = studio.chat();
    let conversation = chat
        .create(NewConversation {
            settings: ChatSettings {
                system_prompt: "Be brief.".into(),
                context_tokens: 200,
                ..ChatSettings::default()
            },
            ..NewConversation::default()
        })
        .await
        .unwrap();
    let mut parent = None;
    for i in 0..6 {
        server.push(CHAT, Reply::chat_stream(&["ok"]));
        let long = format!("message {i} {}", "word ".repeat(40));
        parent = Some(turn(&studio, conversation.id, Turn::Send { parent, text: long }).await);
    }
    let view = chat.view(conversation.id).await.unwrap();
    assert!(!view.context.dropped.is_empty());
    assert!(view.context.sent_tokens <= view.context.budget);
    assert!(view.context.total_tokens > view.context.budget);
    assert_eq!(
        view.context.dropped[0], view.branch[0],
        "the oldest go first"
    );
    let sent = server.requests().last().unwrap().body["messages"].clone();
    let sent = sent.as_array().unwrap();
    assert_eq!(sent[0]["content"], "Be brief.", "the system prompt stays");
    assert!(
        sent.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .starts_with("message 5")
    );
    assert!(
        !sent
            .iter()
            .any(|m| m["content"].as_str().unwrap().starts_with("message 0"))
    );

    // What was sent is recorded exactly.
    let record = chat.sent_request(parent.unwrap()).await.unwrap();
    let scriptorium::backend::Prompt::Chat { messages } = record.prompt else {
        panic!("a chat prompt")
    };
    assert_eq!(messages.len(), sent.len());
}

#[tokio::test]
async fn list_search_rename_pin_delete_and_undo() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = studio(home.path(), &server).await;
    let chat = studio.chat();
    let a = chat
        .create(NewConversation {
            title: "Apples".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let b = chat
        .create(NewConversation {
            title: "Bananas".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    server.push(CHAT, Reply::chat_stream(&["ok"]));
    turn(
        &studio,
        a.id,
        Turn::Send {
            parent: None,
            text: "kiwi inside".into(),
        },
    )
    .await;

    let ids = |list: Vec<scriptorium::chat::ConversationSummary>| {
        list.iter().map(|c| c.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(chat.list("kiwi").await.unwrap()),
        vec![a.id],
        "search finds message text"
    );
    assert_eq!(ids(chat.list("banana").await.unwrap()), vec![b.id]);
    chat.set_pinned(b.id, true).await.unwrap();
    assert_eq!(ids(chat.list("").await.unwrap())[0], b.id, "pinned first");
    chat.rename(a.id, "Cherries".into()).await.unwrap();
    assert_eq!(chat.conversation(a.id).await.unwrap().title, "Cherries");

    chat.delete(a.id).await.unwrap();
    assert_eq!(ids(chat.list("").await.unwrap()), vec![b.id]);
    assert!(chat.view(a.id).await.is_err());
    chat.restore(a.id).await.unwrap();
    assert_eq!(
        chat.view(a.id).await.unwrap().messages.len(),
        2,
        "undo brings it all back"
    );

    // Deleted and not restored: gone for good at the next start.
    chat.delete(b.id).await.unwrap();
    drop(chat);
    drop(studio);
    let studio = self::studio(home.path(), &server).await;
    studio.chat().restore(b.id).await.unwrap_err();
}

#[tokio::test]
async fn exports_import_back_as_the_same_tree() {
    let server = TestServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let studio = studio(home.path(), &server).await;
    let chat = studio.chat();
    let conversation = chat.create(NewConversation::default()).await.unwrap();
    server.push(CHAT, Reply::chat_stream(&["A $x^2$ answer"]));
    let first = turn(
        &studio,
        conversation.id,
        Turn::Send {
            parent: None,
            text: "Q 你好".into(),
        },
    )
    .await;
    server.push(CHAT, Reply::chat_stream(&["Another"]));
    turn(
        &studio,
        conversation.id,
        Turn::Regenerate { message: first },
    )
    .await;
    let view = chat.view(conversation.id).await.unwrap();

    let json = chat
        .export(conversation.id, ExportScope::Tree, ConversationFormat::Json)
        .await
        .unwrap();
    let imported = chat.import(&json).await.unwrap();
    let copy = chat.view(imported.id).await.unwrap();
    assert_eq!(copy.messages.len(), 3);
    assert_eq!(texts(&copy), texts(&view));
    assert_eq!(copy.conversation.settings, view.conversation.settings);
    // Same shape: the same ids up to a shift.
    let shift = copy.messages[0].id - view.messages[0].id;
    for (a, b) in view.messages.iter().zip(&copy.messages) {
        assert_eq!(a.id + shift, b.id);
        assert_eq!(a.parent_id.map(|p| p + shift), b.parent_id);
        assert_eq!((a.role, &a.content), (b.role, &b.content));
    }

    let branch = chat
        .export(
            conversation.id,
            ExportScope::Branch,
            ConversationFormat::Json,
        )
        .await
        .unwrap();
    assert_eq!(
        chat.view(chat.import(&branch).await.unwrap().id)
            .await
            .unwrap()
            .messages
            .len(),
        2
    );

    let markdown = chat
        .export(
            conversation.id,
            ExportScope::Branch,
            ConversationFormat::Markdown,
        )
        .await
        .unwrap();
    assert!(markdown.contains("## User\n\nQ 你好"), "{markdown}");
    assert!(markdown.contains("Another") && !markdown.contains("$x^2$"));
    let tree = chat
        .export(
            conversation.id,
            ExportScope::Tree,
            ConversationFormat::Markdown,
        )
        .await
        .unwrap();
    assert!(tree.contains("$x^2$") && tree.contains("reply to #"));

    for bad in [
        "{}",
        "not json",
        r#"{"scriptoriumConversation":99,"title":"","headId":null,"messages":[]}"#,
        r#"{"scriptoriumConversation":1,"title":"","headId":null,"messages":[{"id":2,"parentId":1,"role":"user","content":""}]}"#,
    ] {
        assert!(chat.import(bad).await.is_err(), "{bad}");
    }

    let dir = home.path().join("out");
    let path = chat
        .export_to_dir(
            conversation.id,
            ExportScope::Tree,
            ConversationFormat::Json,
            dir.clone(),
        )
        .await
        .unwrap();
    let again = chat
        .export_to_dir(
            conversation.id,
            ExportScope::Tree,
            ConversationFormat::Json,
            dir,
        )
        .await
        .unwrap();
    assert_ne!(path, again, "an export never replaces a file");
    assert_eq!(std::fs::read_to_string(path).unwrap(), json);
}
