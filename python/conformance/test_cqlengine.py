"""Python cqlengine (from the same cassandra-driver package) against a
3-node cql-testcluster: sync_table, CRUD, filters, ordering, limits,
batches, TTL, LWT, a polymorphic model, counters and collection update
operators."""

import datetime
import os
import uuid

import pytest

os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")

from cassandra.cqlengine import columns, connection, management  # noqa: E402
from cassandra.cqlengine.functions import MaxTimeUUID, MinTimeUUID  # noqa: E402
from cassandra.cqlengine.models import Model  # noqa: E402
from cassandra.cqlengine.query import (  # noqa: E402
    BatchQuery,
    DoesNotExist,
    LWTException,
    MultipleObjectsReturned,
)
from cassandra.util import uuid_from_time  # noqa: E402
from conftest import wait_until  # noqa: E402

KS = "cqlengine_conformance"


class User(Model):
    __keyspace__ = KS
    user_id = columns.UUID(primary_key=True, default=uuid.uuid4)
    name = columns.Text(required=True)
    age = columns.Integer(index=True)
    emails = columns.Set(columns.Text)


class UserWithNick(Model):
    """The same table with one more column: sync_table must add it."""

    __keyspace__ = KS
    __table_name__ = "user"
    user_id = columns.UUID(primary_key=True, default=uuid.uuid4)
    name = columns.Text(required=True)
    age = columns.Integer(index=True)
    emails = columns.Set(columns.Text)
    nick = columns.Text()


class Post(Model):
    __keyspace__ = KS
    author = columns.UUID(partition_key=True)
    created = columns.TimeUUID(primary_key=True, clustering_order="DESC")
    title = columns.Text(db_field="ttl_")
    tags = columns.List(columns.Text)
    attrs = columns.Map(columns.Text, columns.Text)


class PageCount(Model):
    __keyspace__ = KS
    page = columns.Text(primary_key=True)
    hits = columns.Counter()


class Pet(Model):
    __keyspace__ = KS
    __table_name__ = "pet"
    owner = columns.UUID(partition_key=True)
    pet_id = columns.UUID(primary_key=True, default=uuid.uuid4)
    pet_type = columns.Text(discriminator_column=True)
    name = columns.Text()


class Cat(Pet):
    __discriminator_value__ = "cat"
    cuteness = columns.Float()


class Dog(Pet):
    __discriminator_value__ = "dog"
    fierceness = columns.Float()


@pytest.fixture(scope="module", autouse=True)
def cqlengine_connection(cluster3):
    connection.setup(cluster3.contact_points, KS, port=cluster3.port, protocol_version=2)
    management.create_keyspace_simple(KS, 2)
    # Polymorphic subclasses are synced too: each adds its own columns.
    for model in (User, Post, PageCount, Pet, Cat, Dog):
        management.sync_table(model)
    yield
    management.drop_keyspace(KS)
    connection.unregister_connection("default")


def test_sync_table_creates_and_adds_columns():
    tables = connection.get_cluster().metadata.keyspaces[KS].tables
    assert {"user", "post", "page_count", "pet"} <= set(tables)
    assert "nick" not in tables["user"].columns
    management.sync_table(UserWithNick)
    tables = connection.get_cluster().metadata.keyspaces[KS].tables
    assert "nick" in tables["user"].columns
    # The index on age exists and survives a second sync.
    management.sync_table(User)
    assert any(ix.name for ix in tables["user"].indexes.values())


def test_crud():
    user = User.create(name="ada", age=36, emails={"ada@example.com"})
    fetched = User.get(user_id=user.user_id)
    assert (fetched.name, fetched.age, fetched.emails) == ("ada", 36, {"ada@example.com"})
    fetched.age = 37
    fetched.save()
    assert User.get(user_id=user.user_id).age == 37
    User.objects(user_id=user.user_id).update(name="ada l.")
    assert User.get(user_id=user.user_id).name == "ada l."
    fetched.delete()
    with pytest.raises(DoesNotExist):
        User.get(user_id=user.user_id)


def test_filters_ordering_and_limits():
    author = uuid.uuid4()
    base = 1_700_000_000
    for i in range(5):
        Post.create(author=author, created=uuid_from_time(base + i), title=f"p{i}")
    titles = [p.title for p in Post.objects(author=author)]
    assert titles == ["p4", "p3", "p2", "p1", "p0"]  # clustering order DESC
    ascending = [p.title for p in Post.objects(author=author).order_by("created")]
    assert ascending == ["p0", "p1", "p2", "p3", "p4"]
    assert [p.title for p in Post.objects(author=author).limit(2)] == ["p4", "p3"]
    # MinTimeUUID/MaxTimeUUID (the server's minTimeuuid/maxTimeuuid) are the
    # extreme timeuuids of an instant under TimeUUIDType's order, so the
    # slice holds exactly the posts of base+2 and base+3, inclusive.
    def at(seconds):
        return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)

    middle = Post.objects(author=author).filter(
        created__gt=MinTimeUUID(at(base + 2))
    ).filter(created__lt=MaxTimeUUID(at(base + 3)))
    assert sorted(p.title for p in middle) == ["p2", "p3"]
    assert Post.objects(author=author).count() == 5
    with pytest.raises(MultipleObjectsReturned):
        Post.get(author=author)
    # Equality on an indexed column.
    User.create(name="idx", age=123)
    assert [u.name for u in User.objects(age=123)] == ["idx"]


def test_batches():
    author = uuid.uuid4()
    with BatchQuery() as batch:
        for i in range(3):
            Post.batch(batch).create(author=author, created=uuid_from_time(1_600_000_000 + i), title=str(i))
    assert Post.objects(author=author).count() == 3


def test_ttl():
    author = uuid.uuid4()
    Post.ttl(1).create(author=author, created=uuid_from_time(1_650_000_000), title="short")
    assert Post.objects(author=author).count() == 1
    wait_until(lambda: Post.objects(author=author).count() == 0, 5, "the TTL to expire")


def test_lwt_if_not_exists_and_iff():
    user_id = uuid.uuid4()
    User.if_not_exists().create(user_id=user_id, name="first")
    with pytest.raises(LWTException):
        User.if_not_exists().create(user_id=user_id, name="second")
    assert User.get(user_id=user_id).name == "first"
    user = User.get(user_id=user_id)
    user.iff(name="first").update(name="third")
    assert User.get(user_id=user_id).name == "third"
    with pytest.raises(LWTException):
        user.iff(name="first").update(name="fourth")


def test_polymorphic_model():
    owner = uuid.uuid4()
    tom = Cat.create(owner=owner, name="tom", cuteness=9.5)
    rex = Dog.create(owner=owner, name="rex", fierceness=3.0)
    # Reads through the base model return the right subclass (cqlengine
    # selects only the base model's columns there).
    pets = {p.name: p for p in Pet.objects(owner=owner)}
    assert isinstance(pets["tom"], Cat) and isinstance(pets["rex"], Dog)
    # Reads through a subclass load its own columns.
    assert Cat.get(owner=owner, pet_id=tom.pet_id).cuteness == 9.5
    assert Dog.get(owner=owner, pet_id=rex.pet_id).fierceness == 3.0


def test_counters():
    count = PageCount(page="home")
    count.hits += 5
    count.save()
    count.hits += 2
    count.save()
    assert PageCount.get(page="home").hits == 7
    count.hits -= 3
    count.save()
    assert PageCount.get(page="home").hits == 4


def test_collection_update_operators():
    author = uuid.uuid4()
    created = uuid_from_time(1_690_000_000)
    Post.create(author=author, created=created, title="c", tags=["b"], attrs={"x": "1"})
    query = Post.objects(author=author, created=created)
    query.update(tags__append=["c"], attrs__update={"y": "2"})
    query.update(tags__prepend=["a"])
    post = Post.get(author=author, created=created)
    assert post.tags == ["a", "b", "c"]
    assert post.attrs == {"x": "1", "y": "2"}
    query.update(attrs__remove={"x"})
    assert Post.get(author=author, created=created).attrs == {"y": "2"}
    user = User.create(name="sets", emails={"a@x"})
    User.objects(user_id=user.user_id).update(emails__add={"b@x"})
    User.objects(user_id=user.user_id).update(emails__remove={"a@x"})
    assert User.get(user_id=user.user_id).emails == {"b@x"}
